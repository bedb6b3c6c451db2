import { FerryError } from '../../errors.js';
import type { Endpoint } from '../../discovery/types.js';
import type { Logger } from '../../observability/logger.js';
import { DubboConnection } from './connection.js';

export interface PoolOptions {
  /** Connections per provider. */
  size: number;
  maxPayload: number;
  heartbeatMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  onDecodeError?(): void;
  /** Connections opened/closed (metrics). */
  onConnection?(endpointId: string, delta: 1 | -1): void;
}

interface Slot {
  connections: (DubboConnection | undefined)[];
  next: number;
  /** After a failed connect: no new attempt before this time (doubling backoff, capped). */
  retryAt: number;
  backoffMs: number;
}

const MIN_BACKOFF_MS = 100;
/** Longest wait for calls in flight to a provider that left discovery (their own deadlines normally end it sooner). */
const FORGET_DRAIN_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;

/** `size` multiplexed connections per provider, reconnected with backoff, shared by every call to it. */
export class ConnectionPool {
  readonly #slots = new Map<string, Slot>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** A live connection to the endpoint (opening one if needed); fails fast while the endpoint is backing off. */
  async get(endpoint: Endpoint): Promise<DubboConnection> {
    const slot = this.#slot(endpoint);
    const index = slot.next++ % slot.connections.length;
    let conn = slot.connections[index];
    if (!conn || conn.closed) {
      if (Date.now() < slot.retryAt) {
        throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT', `${endpoint.id} is unreachable (retrying in ${slot.retryAt - Date.now()} ms)`, {
          upstream: { protocol: 'apache_dubbo', endpoint: endpoint.id },
        });
      }
      conn = this.#create(endpoint, slot, index);
    }
    try {
      await conn.open();
      slot.backoffMs = 0;
      return conn;
    } catch (err) {
      slot.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, slot.backoffMs * 2));
      slot.retryAt = Date.now() + slot.backoffMs;
      throw err;
    }
  }

  /** False when every open connection to the endpoint got the provider's read-only event. */
  available(endpoint: Endpoint): boolean {
    const open = this.#slots.get(endpoint.id)?.connections.filter((c): c is DubboConnection => !!c && !c.closed) ?? [];
    return open.length === 0 || open.some((c) => !c.readonly);
  }

  inFlight(endpoint: Endpoint): number {
    return this.#slots.get(endpoint.id)?.connections.reduce((n, c) => n + (c?.inFlight ?? 0), 0) ?? 0;
  }

  /** The endpoint left discovery: no new calls; its connections close once the calls in flight are answered. */
  forget(endpoint: Endpoint): void {
    const slot = this.#slots.get(endpoint.id);
    this.#slots.delete(endpoint.id);
    for (const c of slot?.connections ?? []) c?.closeWhenIdle(FORGET_DRAIN_MS);
  }

  close(): void {
    for (const slot of this.#slots.values()) for (const c of slot.connections) c?.close();
    this.#slots.clear();
  }

  #slot(endpoint: Endpoint): Slot {
    let slot = this.#slots.get(endpoint.id);
    if (!slot) {
      slot = { connections: new Array(this.#options.size).fill(undefined), next: 0, retryAt: 0, backoffMs: 0 };
      this.#slots.set(endpoint.id, slot);
    }
    return slot;
  }

  #create(endpoint: Endpoint, slot: Slot, index: number): DubboConnection {
    const { maxPayload, heartbeatMs, connectTimeoutMs, logger, onDecodeError, onConnection } = this.#options;
    const conn = new DubboConnection({
      host: endpoint.host,
      port: endpoint.port,
      id: endpoint.id,
      maxPayload,
      heartbeatMs,
      connectTimeoutMs,
      logger,
      ...(onDecodeError ? { onDecodeError } : {}),
    });
    slot.connections[index] = conn;
    let counted = false;
    void conn.open().then(
      () => {
        counted = true;
        onConnection?.(endpoint.id, 1);
      },
      () => {},
    );
    conn.once('close', () => {
      if (counted) onConnection?.(endpoint.id, -1);
      if (slot.connections[index] === conn) slot.connections[index] = undefined;
    });
    return conn;
  }
}
