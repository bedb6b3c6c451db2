/**
 * One shared ZooKeeper session per registry config (node-zookeeper-client underneath): connects, follows
 * reconnects, and replaces the client with a new session after expiry — or after `sessionTimeoutMs` of
 * disconnection, since node-zookeeper-client may never report expiry during a partition. Owners listen to
 * `session` (a NEW session: re-create ephemeral nodes, re-arm watches) and `connected` (any (re)connection).
 */
import { EventEmitter } from 'node:events';
import type { Client, Event as ZkEvent } from 'node-zookeeper-client';
import type { ZooKeeperConfig as RegistryConfig } from './schema.js';
import type { Logger } from '../../observability/logger.js';
import { commonJs } from '../../common-js.js';

export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** A ZooKeeper error code (node-zookeeper-client `Exception` codes: NO_NODE −101, NODE_EXISTS −110…). */
export class ZkError extends Error {
  constructor(
    message: string,
    readonly code: number | 'TIMEOUT' | 'CLOSED',
  ) {
    super(message);
    this.name = 'ZkError';
  }
}
export const ZK_NO_NODE = -101;
export const ZK_NODE_EXISTS = -110;

const OP_TIMEOUT_MS = 10_000;

type ZooKeeperLib = typeof import('node-zookeeper-client');
/** node-zookeeper-client, imported with the first session: a config without a ZooKeeper registry never loads it. */
let lib: ZooKeeperLib | undefined;
let loading: Promise<ZooKeeperLib> | undefined;
const loadLib = (): Promise<ZooKeeperLib> =>
  (loading ??= import('node-zookeeper-client').then((m) => (lib = commonJs(m as ZooKeeperLib))));

export interface ZooKeeperSessionEvents {
  /** A new session is established (first connect, or a replacement after expiry). */
  session: [generation: number];
  connected: [];
  disconnected: [];
  expired: [];
}

/**
 * A self-healing ZooKeeper session. Operations are promise-based, time out after 10 s, and reject with
 * `ZkError` (code = ZooKeeper error code) — they never hang while ZooKeeper is away.
 */
export class ZooKeeperSession extends EventEmitter<ZooKeeperSessionEvents> {
  #client?: Client;
  #stateValue: ZkState = 'connecting';
  #generationValue = 0;
  #expiryTimer?: NodeJS.Timeout;
  #firstConnect: Promise<void>;
  #resolveFirst!: () => void;
  #refs = 0;
  /** Settles once the library is loaded and the first client made (operations called before wait for it). */
  #opened: Promise<void> = Promise.resolve();

  constructor(
    readonly address: string,
    readonly options: { sessionTimeoutMs: number; logger?: Logger; key?: string },
  ) {
    super();
    this.setMaxListeners(0);
    this.#firstConnect = new Promise((r) => (this.#resolveFirst = r));
    this.#open();
  }

  get state(): ZkState {
    return this.#stateValue;
  }

  /** Increases on every new session. */
  get generation(): number {
    return this.#generationValue;
  }

  /** Resolves at the first connection, or `false` after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.#stateValue === 'connected') return true;
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (t = setTimeout(() => r(false), timeoutMs)));
    try {
      return await Promise.race([this.#firstConnect.then(() => true), timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  #open(): void {
    if (!lib) {
      this.#opened = loadLib().then(
        () => {
          if (this.#stateValue !== 'closed') this.#open();
        },
        (err: unknown) => this.options.logger?.error({ err, registry: this.address }, 'zookeeper: cannot load node-zookeeper-client'),
      );
      return;
    }
    const zookeeper = lib;
    const client = zookeeper.createClient(this.address, { sessionTimeout: this.options.sessionTimeoutMs, spinDelay: 1000, retries: 1 });
    this.#client = client;
    let sawConnected = false;
    client.on('state', (s) => {
      if (this.#client !== client) return;
      const { State } = zookeeper;
      if (s === State.SYNC_CONNECTED || s === State.CONNECTED_READ_ONLY) {
        clearTimeout(this.#expiryTimer);
        this.#expiryTimer = undefined;
        this.#stateValue = 'connected';
        if (!sawConnected) {
          sawConnected = true;
          this.#generationValue++;
          this.options.logger?.info({ registry: this.address, generation: this.#generationValue }, 'zookeeper session established');
          this.#resolveFirst();
          this.emit('session', this.#generationValue);
        }
        this.emit('connected');
      } else if (s === State.DISCONNECTED) {
        this.#stateValue = 'disconnected';
        this.options.logger?.warn({ registry: this.address }, 'zookeeper disconnected');
        this.emit('disconnected');
        // the client keeps retrying; if the session cannot still be alive, start a new one
        clearTimeout(this.#expiryTimer);
        this.#expiryTimer = setTimeout(() => this.#recycle('disconnected longer than the session timeout'), this.options.sessionTimeoutMs);
        this.#expiryTimer.unref();
      } else if (s === State.EXPIRED) {
        this.emit('expired');
        this.#recycle('session expired');
      }
    });
    client.connect();
  }

  #recycle(why: string): void {
    if (this.#stateValue === 'closed') return;
    this.options.logger?.warn({ registry: this.address, why }, 'zookeeper: starting a new session');
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const old = this.#client;
    this.#client = undefined;
    this.#stateValue = 'connecting';
    try {
      old?.close();
    } catch {
      /* already closed */
    }
    this.#open();
  }

  /** Test hook and last resort: drop the current session and start a new one. */
  restartSession(): void {
    this.#recycle('requested');
  }

  /** Session id (hex) of the current client, for tests and logs. */
  sessionId(): string | undefined {
    try {
      return this.#client?.getSessionId().toString('hex');
    } catch {
      return undefined;
    }
  }

  #op<T>(name: string, run: (c: Client, done: (err: unknown, value?: T) => void) => void): Promise<T> {
    if (!this.#client && this.#stateValue !== 'closed') return this.#opened.then(() => this.#run(name, run));
    return this.#run(name, run);
  }

  #run<T>(name: string, run: (c: Client, done: (err: unknown, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const c = this.#client;
      if (!c || this.#stateValue === 'closed') return reject(new ZkError(`zookeeper ${name}: session closed`, 'CLOSED'));
      const timer = setTimeout(() => reject(new ZkError(`zookeeper ${name} timed out`, 'TIMEOUT')), OP_TIMEOUT_MS);
      run(c, (err, value) => {
        clearTimeout(timer);
        if (err) {
          const e = err as { code?: number; message?: string };
          reject(new ZkError(`zookeeper ${name}: ${e.message ?? String(err)}`, typeof e.code === 'number' ? e.code : -1));
        } else resolve(value as T);
      });
    });
  }

  /** Children of `path`; `watcher` fires once on the next change (NO_NODE rejects with code −101). */
  getChildren(path: string, watcher?: (event: ZkEvent) => void): Promise<string[]> {
    return this.#op('getChildren', (c, done) =>
      watcher
        ? c.getChildren(path, watcher, (err, children) => done(err, children))
        : c.getChildren(path, (err, children) => done(err, children)),
    );
  }

  /**
   * Data of `path` (an empty buffer for a node without data); `undefined` when the node does not exist.
   * `watcher` fires once on its next change.
   */
  async getData(path: string, watcher?: (event: ZkEvent) => void): Promise<Buffer | undefined> {
    try {
      return await this.#op<Buffer>('getData', (c, done) =>
        watcher
          ? c.getData(path, watcher, (err, data) => done(err, data ?? Buffer.alloc(0)))
          : c.getData(path, (err, data) => done(err, data ?? Buffer.alloc(0))),
      );
    } catch (err) {
      if (err instanceof ZkError && err.code === ZK_NO_NODE) return undefined;
      throw err;
    }
  }

  /** Data and its version (for `setData`'s compare-and-set); `undefined` when the node does not exist. */
  async getDataWithVersion(path: string): Promise<{ data: Buffer; version: number } | undefined> {
    try {
      return await this.#op<{ data: Buffer; version: number }>('getData', (c, done) =>
        c.getData(path, (err, data, stat) => done(err, { data: data ?? Buffer.alloc(0), version: stat?.version ?? -1 })),
      );
    } catch (err) {
      if (err instanceof ZkError && err.code === ZK_NO_NODE) return undefined;
      throw err;
    }
  }

  /** Replaces a node's data if its version is still `version` (-1: any); BAD_VERSION (−103) otherwise. */
  setData(path: string, data: Buffer, version = -1): Promise<void> {
    return this.#op('setData', (c, done) => c.setData(path, data, version, (err) => done(err)));
  }

  /** Whether `path` exists; `watcher` fires on creation/deletion. */
  exists(path: string, watcher?: (event: ZkEvent) => void): Promise<boolean> {
    return this.#op('exists', (c, done) =>
      watcher ? c.exists(path, watcher, (err, stat) => done(err, !!stat)) : c.exists(path, (err, stat) => done(err, !!stat)),
    );
  }

  /** Creates persistent parents as needed. */
  mkdirp(path: string): Promise<void> {
    return this.#op('mkdirp', (c, done) => c.mkdirp(path, (err) => done(err)));
  }

  /** Creates one node (`ephemeral` default true); rejects with NODE_EXISTS (−110) if present. */
  create(path: string, ephemeral = true, data?: Buffer): Promise<void> {
    return this.#op('create', (c, done) => {
      // a client exists, so the library is loaded
      const mode = ephemeral ? lib!.CreateMode.EPHEMERAL : lib!.CreateMode.PERSISTENT;
      if (data) c.create(path, data, mode, (err) => done(err));
      else c.create(path, mode, (err) => done(err));
    });
  }

  /** Removes a node; a missing node is fine. */
  async remove(path: string): Promise<void> {
    try {
      await this.#op<undefined>('remove', (c, done) => c.remove(path, (err) => done(err)));
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZK_NO_NODE)) throw err;
    }
  }

  /** Takes a reference (see `sharedSession`). */
  retain(): this {
    this.#refs++;
    return this;
  }

  /** Drops a reference; the last one closes the session (its ephemeral nodes go away at once). */
  async release(): Promise<void> {
    if (--this.#refs > 0) return;
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#stateValue === 'closed') return;
    this.#stateValue = 'closed';
    clearTimeout(this.#expiryTimer);
    if (this.options.key) sessions.delete(this.options.key);
    const c = this.#client;
    this.#client = undefined;
    try {
      c?.close();
    } catch {
      /* ignore */
    }
    this.removeAllListeners();
  }
}

const sessions = new Map<string, ZooKeeperSession>();

/**
 * The shared session for a registry config (same address and session timeout → same session). Each caller
 * gets a reference and must `release()` it.
 */
export function sharedSession(registry: Pick<RegistryConfig, 'address' | 'sessionTimeoutMs'>, logger?: Logger): ZooKeeperSession {
  const key = `${registry.address}|${registry.sessionTimeoutMs}`;
  let s = sessions.get(key);
  if (!s || s.state === 'closed') {
    s = new ZooKeeperSession(registry.address, { sessionTimeoutMs: registry.sessionTimeoutMs, logger, key });
    sessions.set(key, s);
  }
  return s.retain();
}
