/**
 * Interface-level Dubbo discovery on ZooKeeper: an EndpointSource watching `/{root}/{interface}/providers`,
 * and ephemeral registrations (consumer and provider nodes) that survive session expiry.
 */
import type { ZooKeeperConfig as RegistryConfig } from './schema.js';
import type { Logger } from '../../observability/logger.js';
import type { Endpoint, EndpointListener, EndpointSource } from '../types.js';
import { categoryPath, matchesProvider, parseDubboUrl, urlNodePath, formatDubboUrl, type Category, type DubboUrl } from './dubbo-url.js';
import { sharedSession, ZkError, ZK_NO_NODE, ZK_NODE_EXISTS, type ZooKeeperSession } from './zk-client.js';
import { countedRelease } from '../counted-release.js';

export interface ZooKeeperSourceOptions {
  /** Registry root (default: the registry's `root`, normally `/dubbo`). */
  root?: string;
  interface: string;
  /** Consumer-side version: exact, `*`, or absent (only providers without a version). */
  version?: string;
  /** Consumer-side group: exact, `*`, comma list, or absent (only providers without a group). */
  group?: string;
  /** Provider URL scheme to keep (default `dubbo`). */
  protocol?: 'dubbo' | 'jsonrpc' | 'tri';
  logger?: Logger;
  /** Use this session instead of the registry's shared one (tests). */
  session?: ZooKeeperSession;
}

/**
 * Endpoint of a provider URL: `host:port` (jsonrpc: `http://host:port/path`), weight from `weight` (default 100).
 * With `perExport` (the consumer asked for group `*`, a group list or version `*`) one host:port may export the
 * service several times (one per group/version): each is its own endpoint, id `host:port/group/version`.
 */
export function endpointFromUrl(url: DubboUrl, perExport = false): Endpoint {
  const hostPort = `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`;
  const weight = Number(url.params.weight ?? 100);
  return {
    id: perExport ? `${hostPort}/${url.params.group ?? ''}/${url.params.version ?? ''}` : hostPort,
    address: url.protocol === 'jsonrpc' ? `http://${hostPort}/${url.path}` : hostPort,
    host: url.host,
    port: url.port,
    weight: Number.isFinite(weight) && weight >= 0 ? weight : 100,
    params: { ...url.params },
  };
}

type ChildrenListener = (children: readonly string[]) => void;

/**
 * One watch on one znode's children, shared by every source that needs that path on that session (N services
 * of one interface: one ZooKeeper watch and one read per change, not N). Re-read on every child change (the
 * one-shot watch re-armed once per session), every reconnection and new session; a read failure (ZooKeeper
 * away) keeps the last list and retries. A missing node reads as empty and is watched until it appears.
 */
export class ChildrenWatch {
  readonly #listeners = new Set<ChildrenListener>();
  #last: readonly string[] | undefined;
  #running = false;
  #again = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  /** Session generation in which a child watch is known to be armed (ZooKeeper keeps it across reconnects). */
  #armed = -1;

  readonly #session: ZooKeeperSession;
  readonly #path: string;
  readonly #logger: Logger | undefined;
  readonly #onIdle: () => void;

  constructor(session: ZooKeeperSession, path: string, logger: Logger | undefined, onIdle: () => void) {
    this.#session = session;
    this.#path = path;
    this.#logger = logger;
    this.#onIdle = onIdle;
    session.on('connected', this.#onConnected);
    if (session.state === 'connected') void this.#refresh();
  }

  add(listener: ChildrenListener): void {
    this.#listeners.add(listener);
    const last = this.#last;
    if (last) queueMicrotask(() => this.#listeners.has(listener) && this.#last === last && listener(last));
  }

  remove(listener: ChildrenListener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size > 0 || this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#session.off('connected', this.#onConnected);
    this.#onIdle();
  }

  #onConnected = () => void this.#refresh();
  /** Watch notifications so far (a read that raced with one must arm again). */
  #fired = 0;
  #onWatch = () => {
    this.#fired++;
    this.#armed = -1;
    void this.#refresh();
  };

  #emit(children: readonly string[]): void {
    this.#last = children;
    for (const l of this.#listeners) {
      try {
        l(children);
      } catch (err) {
        this.#logger?.error({ err }, 'providers listener failed');
      }
    }
  }

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        const generation = this.#session.generation;
        const arm = this.#armed !== generation;
        const fired = this.#fired;
        let children: string[];
        try {
          children = await this.#session.getChildren(this.#path, arm ? this.#onWatch : undefined);
          if (arm && this.#fired === fired) this.#armed = generation;
        } catch (err) {
          if (err instanceof ZkError && err.code === ZK_NO_NODE) {
            // no providers dir yet: empty, and watch for its creation; created since the read (the watch then
            // waits for its deletion, never fires for the creation): read again
            if (await this.#session.exists(this.#path, this.#onWatch).catch(() => false)) {
              this.#again = true;
              continue;
            }
            this.#emit([]);
            continue;
          }
          throw err;
        }
        this.#emit(children);
      } while (this.#again && !this.#closed);
    } catch (err) {
      // ZooKeeper away: keep the last good list; try again on reconnection or after a pause
      this.#logger?.warn({ err: (err as Error).message, path: this.#path }, 'zookeeper read failed, keeping the last provider list');
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => void this.#refresh(), 2000);
      this.#retry.unref();
    } finally {
      this.#running = false;
    }
  }
}

const childrenWatches = new WeakMap<ZooKeeperSession, Map<string, ChildrenWatch>>();

/** The shared watch of one path's children on one session (created on first use, gone with its last listener). */
export function childrenWatch(session: ZooKeeperSession, path: string, logger?: Logger): ChildrenWatch {
  let byPath = childrenWatches.get(session);
  if (!byPath) childrenWatches.set(session, (byPath = new Map()));
  let watch = byPath.get(path);
  if (!watch) {
    const created: ChildrenWatch = new ChildrenWatch(session, path, logger, () => {
      if (byPath!.get(path) === created) byPath!.delete(path);
    });
    byPath.set(path, (watch = created));
  }
  return watch;
}

/**
 * Watches the providers of one interface (through the path's shared ChildrenWatch) and keeps those matching
 * this consumer's interface/version/group/protocol. While ZooKeeper is unreachable the last good list stays.
 */
export function createZooKeeperSource(registry: RegistryConfig, opts: ZooKeeperSourceOptions): EndpointSource {
  const session = opts.session ? opts.session.retain() : sharedSession(registry, opts.logger);
  const root = opts.root ?? registry.root;
  const path = categoryPath(root, opts.interface, 'providers');
  const filter = { interface: opts.interface, version: opts.version, group: opts.group, protocols: [opts.protocol ?? 'dubbo'] };
  const perExport = opts.version === '*' || opts.group === '*' || (opts.group?.includes(',') ?? false);
  const listeners = new Set<EndpointListener>();
  let endpoints: readonly Endpoint[] = [];
  let closed = false;
  let resolveReady!: () => void;
  const readyP = new Promise<void>((r) => (resolveReady = r));

  const publish = (next: Endpoint[]) => {
    next.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const same =
      next.length === endpoints.length &&
      next.every((e, i) => e.id === endpoints[i]!.id && e.weight === endpoints[i]!.weight && sameParams(e.params, endpoints[i]!.params));
    resolveReady();
    if (same) return;
    endpoints = Object.freeze(next);
    opts.logger?.info({ interface: opts.interface, endpoints: next.map((e) => e.id) }, 'dubbo providers changed');
    for (const l of listeners) {
      try {
        l(endpoints);
      } catch (err) {
        opts.logger?.error({ err }, 'endpoint listener failed');
      }
    }
  };

  const onChildren = (children: readonly string[]) => {
    if (closed) return;
    const next: Endpoint[] = [];
    const seen = new Set<string>();
    for (const child of children) {
      let url: DubboUrl;
      try {
        url = parseDubboUrl(child);
      } catch {
        opts.logger?.warn({ child: child.slice(0, 200) }, 'ignoring unparsable provider node');
        continue;
      }
      if (!url.host || !url.port || !matchesProvider(url, filter)) continue;
      const ep = endpointFromUrl(url, perExport);
      if (seen.has(ep.id)) continue;
      seen.add(ep.id);
      next.push(ep);
    }
    publish(next);
  };
  const watch = childrenWatch(session, path, opts.logger);
  watch.add(onChildren);

  return {
    current: () => endpoints,
    ready: () => readyP,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      watch.remove(onChildren);
      listeners.clear();
      await session.release();
    },
  };
}

function sameParams(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

// ------------------------------------------------------------------------------ registrations

/** A node Ferry keeps in ZooKeeper for as long as it lives. */
export interface Registration {
  readonly path: string;
  /** Removes the node and stops re-creating it. */
  close(): Promise<void>;
}

/** Live registrations by session and path: the same node asked for twice is shared, not fought over. */
const liveRegistrations = new WeakMap<ZooKeeperSession, Map<string, { refs: number; done: Promise<Registration> }>>();

/**
 * Keeps an ephemeral node alive across sessions: created now (parents made persistent), and re-created on
 * every new session. After a session change the old session's node may still exist (expiry is not atomic):
 * NODE_EXISTS then means delete and create again, so the node belongs to the current session.
 *
 * Asking for a path that is already registered on this session (two services with the same consumer URL)
 * shares the node: it is removed when the last holder closes. A failed first creation releases everything.
 */
export async function registerEphemeral(session: ZooKeeperSession, path: string, logger?: Logger, data?: Buffer): Promise<Registration> {
  let byPath = liveRegistrations.get(session);
  if (!byPath) liveRegistrations.set(session, (byPath = new Map()));
  const shared = byPath.get(path);
  if (shared) {
    shared.refs++;
    try {
      await shared.done;
    } catch (err) {
      shared.refs--;
      throw err;
    }
    return sharedHandle(path, shared, () => byPath!.delete(path));
  }
  const entry = { refs: 1, done: createEphemeral(session, path, logger, data) };
  byPath.set(path, entry);
  try {
    await entry.done;
  } catch (err) {
    if (byPath.get(path) === entry) byPath.delete(path);
    throw err;
  }
  return sharedHandle(path, entry, () => byPath!.delete(path));
}

function sharedHandle(path: string, entry: { refs: number; done: Promise<Registration> }, forget: () => void): Registration {
  const last = countedRelease(entry);
  return {
    path,
    async close() {
      if (!last()) return;
      forget();
      await (await entry.done).close();
    },
  };
}

async function createEphemeral(session: ZooKeeperSession, path: string, logger?: Logger, data?: Buffer): Promise<Registration> {
  session.retain();
  let closed = false;
  const ensure = async (replace: boolean): Promise<void> => {
    if (closed) return;
    const parent = path.slice(0, path.lastIndexOf('/'));
    await session.mkdirp(parent);
    try {
      await session.create(path, true, data);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZK_NODE_EXISTS)) throw err;
      if (!replace) return;
      await session.remove(path);
      await session.create(path, true, data);
    }
  };
  const onSession = (generation: number) => {
    // a later session: whatever exists was created by an older one
    void ensure(generation > 1).catch((err) => logger?.error({ err: (err as Error).message, path }, 'zookeeper: could not re-register'));
  };
  session.on('session', onSession);
  try {
    if (session.state === 'connected') await ensure(true);
    else await session.waitConnected(10_000).then((ok) => (ok ? ensure(true) : undefined));
  } catch (err) {
    // nothing to keep: the caller gets the error and no handle, so the session reference goes now
    closed = true;
    session.off('session', onSession);
    await session.release();
    throw err;
  }
  return {
    path,
    async close() {
      if (closed) return;
      closed = true;
      session.off('session', onSession);
      await session.remove(path).catch(() => undefined);
      await session.release();
    },
  };
}

export interface UrlRegistrationOptions {
  root?: string;
  logger?: Logger;
  session?: ZooKeeperSession;
}

async function registerUrl(
  registry: RegistryConfig,
  category: Category,
  url: DubboUrl,
  opts: UrlRegistrationOptions,
): Promise<Registration> {
  const session = opts.session ? opts.session.retain() : sharedSession(registry, opts.logger);
  try {
    const iface = url.params.interface ?? url.path;
    return await registerEphemeral(session, urlNodePath(opts.root ?? registry.root, iface, category, url), opts.logger);
  } finally {
    await session.release();
  }
}

/**
 * Publishes a provider URL (`dubbo://ip:port/iface?interface=…&side=provider…`) under `/{root}/{iface}/providers`.
 * For Java consumers include `serialization=hessian2&prefer.serialization=hessian2`, `methods`, `dubbo=2.0.2`,
 * `release`, `side=provider`, `timestamp`, `pid`, `application`, and `version`/`group` when set.
 */
export function registerProvider(registry: RegistryConfig, url: DubboUrl, opts: UrlRegistrationOptions = {}): Promise<Registration> {
  return registerUrl(registry, 'providers', url, opts);
}

/** Publishes `consumer://ip/iface?category=consumers&side=consumer…` under `/{root}/{iface}/consumers`, as Java consumers do. */
export function registerConsumer(registry: RegistryConfig, url: DubboUrl, opts: UrlRegistrationOptions = {}): Promise<Registration> {
  return registerUrl(registry, 'consumers', url, opts);
}

/** Removes a registration (same as `registration.close()`). */
export function unregister(registration: Registration): Promise<void> {
  return registration.close();
}

/**
 * A consumer URL like Java's:
 * `consumer://{ip}/{iface}?application&category=consumers&check=false&dubbo=2.0.2&interface&side=consumer&timestamp…`.
 */
export function consumerUrl(args: {
  ip: string;
  interface: string;
  application: string;
  version?: string;
  group?: string;
  methods?: string[];
  extra?: Record<string, string>;
}): DubboUrl {
  const params: Record<string, string> = {
    application: args.application,
    category: 'consumers',
    check: 'false',
    dubbo: '2.0.2',
    interface: args.interface,
    pid: String(process.pid),
    side: 'consumer',
    timestamp: String(Date.now()),
    ...(args.version ? { version: args.version } : {}),
    ...(args.group ? { group: args.group } : {}),
    ...(args.methods?.length ? { methods: args.methods.join(',') } : {}),
    ...(args.extra ?? {}),
  };
  return { protocol: 'consumer', host: args.ip, port: 0, path: args.interface, params };
}

export { formatDubboUrl };
