/**
 * A local copy of a Eureka registry, kept as Eureka's own clients keep it: one full fetch, then a delta every
 * `refreshMs`, each delta checked against the server's reconcile hash (a mismatch means a full fetch). While
 * Eureka does not answer the copy stays as it was and fetches back off (up to `maxBackoffMs`).
 *
 * An instance missing from a later full fetch without having been deleted by a delta (the server restarted
 * and lost its registry, or our deltas were away longer than its retention) is kept until its lease would
 * have expired (at least 30 s): instances re-register within a renewal interval or so, and calls go on meanwhile.
 */
import type { Logger } from '../../observability/logger.js';
import type { Endpoint, EndpointListener, EndpointSource } from '../types.js';
import { EurekaHttp, type EurekaServerOptions } from './http.js';
import { appKey, endpointOf, reconcileHashCode, type EurekaApplications, type EurekaInstance } from './instance.js';

export interface EurekaRegistryOptions extends EurekaServerOptions {
  /** Delta fetch interval (default 30000, as Eureka's clients). */
  refreshMs?: number;
  /** Longest pause between fetches while Eureka does not answer (default 10 × refreshMs). */
  maxBackoffMs?: number;
  logger?: Logger;
}

interface Entry {
  instance: EurekaInstance;
  /** Set while the instance is kept after vanishing from a full fetch: drop it at this time. */
  expiresAt?: number;
}

const DEFAULT_LEASE_MS = 90_000;
/**
 * The least time a vanished instance is kept: a client whose heartbeats failed while its server was away
 * backs off (up to 10 intervals by default) and a restarted server answers slowly at first, so a short lease
 * alone can run out before the instance is back.
 */
const MIN_KEEP_MS = 30_000;

export class EurekaRegistry {
  readonly http: EurekaHttp;
  /** Fetches that succeeded so far, by kind. */
  readonly fetches = { full: 0, delta: 0 };
  readonly #apps = new Map<string, Map<string, Entry>>();
  readonly #watchers = new Map<string, Set<() => void>>();
  readonly #refreshMs: number;
  readonly #maxBackoffMs: number;
  readonly #logger: Logger | undefined;
  #fetched = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #resolveReady!: () => void;
  readonly #ready = new Promise<void>((r) => (this.#resolveReady = r));

  constructor(opts: EurekaRegistryOptions) {
    this.http = new EurekaHttp(opts);
    this.#refreshMs = opts.refreshMs ?? 30_000;
    this.#maxBackoffMs = Math.max(this.#refreshMs, opts.maxBackoffMs ?? 10 * this.#refreshMs);
    this.#logger = opts.logger;
    this.#schedule(0);
  }

  /** Resolves after the first successful full fetch. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** True when the last fetch failed (the copy is the last good one). */
  get stale(): boolean {
    return this.#failures > 0;
  }

  /** Every instance of `app` in the copy, whatever its status. */
  instances(app: string): EurekaInstance[] {
    const entries = this.#apps.get(appKey(app));
    return entries ? [...entries.values()].map((e) => e.instance) : [];
  }

  /** Called after every fetch that may have changed `app`. */
  watch(app: string, listener: () => void): () => void {
    const key = appKey(app);
    let set = this.#watchers.get(key);
    if (!set) this.#watchers.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#watchers.delete(key);
    };
  }

  /** Fetches now (a delta, or the whole registry when needed); concurrent callers share one fetch. */
  refresh(): Promise<void> {
    this.#running ??= this.#fetch().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    this.#watchers.clear();
    await this.http.close();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => {
        const backoff = this.#failures ? Math.min(this.#refreshMs * 2 ** (this.#failures - 1), this.#maxBackoffMs) : this.#refreshMs;
        this.#schedule(backoff);
      });
    }, ms);
    this.#timer.unref();
  }

  async #fetch(): Promise<void> {
    try {
      const changed = this.#fetched ? await this.#applyDelta() : this.#replace(await this.http.applications());
      if (this.#failures > 0) this.#logger?.info({ server: this.http.server }, 'eureka answers again');
      this.#failures = 0;
      this.#fetched = true;
      this.#resolveReady();
      this.#expire(changed);
      this.#notify(changed);
    } catch (err) {
      if (this.#failures === 0) this.#logger?.warn({ err: (err as Error).message }, 'eureka fetch failed, keeping the last instance list');
      this.#failures++;
    }
  }

  /** Applies a delta; falls back to a full fetch when the result disagrees with the server's hash. */
  async #applyDelta(): Promise<Set<string>> {
    const delta = await this.http.delta();
    this.fetches.delta++;
    const changed = new Set<string>();
    for (const [app, instances] of delta.apps) {
      let entries = this.#apps.get(app);
      for (const instance of instances) {
        if (instance.actionType === 'DELETED') entries?.delete(instance.instanceId);
        else {
          if (!entries) this.#apps.set(app, (entries = new Map()));
          entries.set(instance.instanceId, { instance });
        }
        changed.add(app);
      }
      if (entries?.size === 0) this.#apps.delete(app);
    }
    if (this.#hash() === delta.hashCode) return changed;
    this.#logger?.debug({ local: this.#hash(), server: delta.hashCode }, 'eureka delta does not reconcile, fetching the whole registry');
    const full = this.#replace(await this.http.applications());
    for (const app of changed) full.add(app);
    return full;
  }

  /** Takes a full answer; instances that vanished without a DELETED delta are kept until their lease ends. */
  #replace(full: EurekaApplications): Set<string> {
    this.fetches.full++;
    const changed = new Set<string>([...this.#apps.keys(), ...full.apps.keys()]);
    const now = Date.now();
    const next = new Map<string, Map<string, Entry>>();
    for (const [app, instances] of full.apps) next.set(app, new Map(instances.map((i) => [i.instanceId, { instance: i }])));
    if (this.#fetched) {
      for (const [app, entries] of this.#apps) {
        for (const [id, entry] of entries) {
          if (next.get(app)?.has(id)) continue;
          const leaseMs = Math.max((entry.instance.leaseInfo?.durationInSecs ?? 0) * 1000 || DEFAULT_LEASE_MS, MIN_KEEP_MS);
          let kept = next.get(app);
          if (!kept) next.set(app, (kept = new Map()));
          kept.set(id, { instance: entry.instance, expiresAt: entry.expiresAt ?? now + leaseMs });
        }
      }
    }
    this.#apps.clear();
    for (const [app, entries] of next) this.#apps.set(app, entries);
    return changed;
  }

  #expire(changed: Set<string>): void {
    const now = Date.now();
    for (const [app, entries] of this.#apps) {
      for (const [id, entry] of entries) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
          entries.delete(id);
          changed.add(app);
        }
      }
      if (entries.size === 0) this.#apps.delete(app);
    }
  }

  /** The reconcile hash of what the server should have: instances kept past a full fetch are not in it. */
  #hash(): string {
    const live: EurekaInstance[][] = [];
    for (const entries of this.#apps.values())
      live.push([...entries.values()].filter((e) => e.expiresAt === undefined).map((e) => e.instance));
    return reconcileHashCode(live);
  }

  #notify(apps: Set<string>): void {
    for (const app of apps) {
      for (const listener of this.#watchers.get(app) ?? []) {
        try {
          listener();
        } catch (err) {
          this.#logger?.error({ err }, 'eureka watcher failed');
        }
      }
    }
  }
}

export interface EurekaSourceOptions {
  /** Eureka application name (any case). */
  app: string;
  /** Dial `ipAddr` instead of `hostName`. */
  preferIpAddress?: boolean;
  /** Appended to each instance's URL (JSON-RPC: the endpoint path). */
  path?: string;
  logger?: Logger;
}

/** The UP instances of one Eureka application, as endpoints; follows the registry's copy. */
export function createEurekaSource(registry: EurekaRegistry, opts: EurekaSourceOptions): EndpointSource {
  const listeners = new Set<EndpointListener>();
  let endpoints: readonly Endpoint[] = [];
  const endpointOptions = { ...(opts.preferIpAddress ? { preferIpAddress: true } : {}), ...(opts.path ? { path: opts.path } : {}) };

  const update = () => {
    const seen = new Set<string>();
    const next: Endpoint[] = [];
    for (const instance of registry.instances(opts.app)) {
      if (instance.status !== 'UP') continue;
      const ep = endpointOf(instance, endpointOptions);
      if (!ep || seen.has(ep.id)) continue;
      seen.add(ep.id);
      next.push(ep);
    }
    next.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (next.length === endpoints.length && next.every((e, i) => sameEndpoint(e, endpoints[i]!))) return;
    endpoints = Object.freeze(next);
    opts.logger?.info({ app: appKey(opts.app), endpoints: next.map((e) => e.id) }, 'eureka instances changed');
    for (const l of listeners) {
      try {
        l(endpoints);
      } catch (err) {
        opts.logger?.error({ err }, 'endpoint listener failed');
      }
    }
  };
  const unwatch = registry.watch(opts.app, update);
  update();

  return {
    current: () => endpoints,
    ready: () => registry.ready(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      unwatch();
      listeners.clear();
    },
  };
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.id !== b.id || a.weight !== b.weight) return false;
  const ka = Object.keys(a.params);
  return ka.length === Object.keys(b.params).length && ka.every((k) => a.params[k] === b.params[k]);
}
