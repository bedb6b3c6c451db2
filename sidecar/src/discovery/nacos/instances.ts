/**
 * The instances of one Nacos service, polled: every `intervalMs` the list is fetched and compared with the last
 * one, and listeners hear only of changes. Polling is what bounds removals: an instance gone from the server is
 * gone from Ferry's list within `intervalMs` plus one request (Nacos' push channels — UDP for v1, the npm
 * client's subscription — were not reliable for removals). While the server is unreachable the last good list
 * stays. One poller per service key and transport, however many Ferry services read it.
 */
import type { Logger } from '../../observability/logger.js';
import type { NacosInstance, NacosServiceKey, NacosTransport } from './types.js';
import { countedRelease } from '../counted-release.js';

export type InstancesListener = (instances: readonly NacosInstance[]) => void;

export interface InstanceWatch {
  /** The last list read, undefined before the first answer. */
  current(): readonly NacosInstance[] | undefined;
  /** Resolves after the first answer (or the first failure: the list then stays empty until one comes). */
  ready(): Promise<void>;
  subscribe(listener: InstancesListener): () => void;
  close(): void;
}

export interface InstanceWatchOptions {
  /** Poll interval (default 2 s). */
  intervalMs?: number;
  logger?: Logger;
}

/** Stable fingerprint of a list: order-independent, all fields that matter to callers. */
function fingerprint(list: readonly NacosInstance[]): string {
  return list
    .map((i) =>
      JSON.stringify([
        i.ip,
        i.port,
        i.weight,
        i.healthy,
        i.enabled,
        i.clusterName,
        Object.entries(i.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ]),
    )
    .sort()
    .join('\n');
}

class Poller {
  readonly listeners = new Set<InstancesListener>();
  last: readonly NacosInstance[] | undefined;
  #print = '';
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failing = false;
  readonly first: Promise<void>;
  #resolveFirst!: () => void;

  readonly #transport: NacosTransport;
  readonly #key: NacosServiceKey;
  readonly #intervalMs: number;
  readonly #logger: Logger | undefined;

  constructor(transport: NacosTransport, key: NacosServiceKey, intervalMs: number, logger: Logger | undefined) {
    this.#transport = transport;
    this.#key = key;
    this.#intervalMs = intervalMs;
    this.#logger = logger;
    this.first = new Promise((r) => (this.#resolveFirst = r));
    void this.#poll();
  }

  async #poll(): Promise<void> {
    try {
      const list = await this.#transport.listInstances(this.#key);
      if (this.#closed) return;
      if (this.#failing) this.#logger?.info({ service: this.#key.serviceName }, 'nacos reachable again');
      this.#failing = false;
      const print = fingerprint(list);
      if (this.last === undefined || print !== this.#print) {
        this.#print = print;
        this.last = Object.freeze(list);
        for (const l of this.listeners) {
          try {
            l(this.last);
          } catch (err) {
            this.#logger?.error({ err }, 'nacos instances listener failed');
          }
        }
      }
    } catch (err) {
      if (!this.#failing)
        this.#logger?.warn(
          { err: (err as Error).message, service: this.#key.serviceName },
          'nacos read failed, keeping the last instance list',
        );
      this.#failing = true;
    } finally {
      this.#resolveFirst();
      if (!this.#closed) {
        this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
        this.#timer.unref();
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}

const pollers = new WeakMap<NacosTransport, Map<string, { poller: Poller; refs: number }>>();

/** Watches one service's instances (shared poller per transport and key; closed with its last watch). */
export function watchInstances(transport: NacosTransport, key: NacosServiceKey, opts: InstanceWatchOptions = {}): InstanceWatch {
  let byKey = pollers.get(transport);
  if (!byKey) pollers.set(transport, (byKey = new Map()));
  const id = `${key.namespaceId}\u0000${key.groupName}\u0000${key.serviceName}`;
  let entry = byKey.get(id);
  if (!entry) byKey.set(id, (entry = { poller: new Poller(transport, key, opts.intervalMs ?? 2000, opts.logger), refs: 0 }));
  entry.refs++;
  const { poller } = entry;
  const mine = new Set<InstancesListener>();
  const last = countedRelease(entry);
  return {
    current: () => poller.last,
    ready: () => poller.first,
    subscribe(listener) {
      const wrapped: InstancesListener = (l) => listener(l);
      mine.add(wrapped);
      poller.listeners.add(wrapped);
      const last = poller.last;
      if (last) queueMicrotask(() => mine.has(wrapped) && poller.last === last && listener(last));
      return () => {
        mine.delete(wrapped);
        poller.listeners.delete(wrapped);
      };
    },
    close() {
      for (const l of mine) poller.listeners.delete(l);
      mine.clear();
      if (last()) {
        poller.close();
        if (byKey!.get(id) === entry) byKey!.delete(id);
      }
    },
  };
}
