/**
 * Application-level discovery as an EndpointSource, for any registry: every `intervalMs` read the apps'
 * instances, resolve their revisions' MetadataInfo (cached by revision) and publish the endpoints when they
 * changed. A failed read keeps the last good list; an instance whose new revision cannot be fetched keeps the
 * endpoints it had. Polling bounds how long a removed instance stays listed (`intervalMs` plus one read).
 *
 * `discovery: auto` (Dubbo's APPLICATION_FIRST) merges this with the interface-level source: one endpoint per
 * provider, whichever way it registered.
 */
import type { Logger } from '../../observability/logger.js';
import type { Endpoint, EndpointListener, EndpointSource } from '../types.js';
import type { ConsumerFilter } from '../zookeeper/dubbo-url.js';
import { appLevelEndpoints, mergeEndpoints } from './endpoints.js';
import type { AppInstance } from './instance.js';
import type { RevisionCache } from './revisions.js';

export interface AppLevelSourceOptions {
  /** The instances of every provider app of the service now (apps from config or the mapping). */
  read(): Promise<AppInstance[]>;
  cache: RevisionCache;
  filter: ConsumerFilter;
  intervalMs?: number;
  logger?: Logger;
  onClose?(): Promise<void> | void;
}

const sameList = (a: readonly Endpoint[], b: readonly Endpoint[]) =>
  a.length === b.length &&
  a.every((e, i) => e.id === b[i]!.id && e.weight === b[i]!.weight && JSON.stringify(e.params) === JSON.stringify(b[i]!.params));

function emitter() {
  const listeners = new Set<EndpointListener>();
  return {
    listeners,
    emit(list: readonly Endpoint[], logger?: Logger) {
      for (const l of listeners) {
        try {
          l(list);
        } catch (err) {
          logger?.error({ err }, 'endpoint listener failed');
        }
      }
    },
    subscribe(l: EndpointListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** An application-level source; `refresh()` reads again now (a registry watch saw the instances change). */
export interface AppLevelSource extends EndpointSource {
  refresh(): void;
}

export function createAppLevelSource(opts: AppLevelSourceOptions): AppLevelSource {
  const intervalMs = opts.intervalMs ?? 2000;
  const out = emitter();
  let endpoints: readonly Endpoint[] = Object.freeze([]);
  /** Last endpoints per instance (host:port), kept while its new revision cannot be fetched. */
  let byInstance = new Map<string, Endpoint[]>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let polling = false;
  let again = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  const poll = async (): Promise<void> => {
    polling = true;
    again = false;
    try {
      const instances = await opts.read();
      const infos = await opts.cache.resolve(instances);
      const next = new Map<string, Endpoint[]>();
      for (const i of instances) {
        const id = `${i.host}:${i.port}`;
        const eps = appLevelEndpoints([i], infos, opts.filter);
        const known = infos.size > 0 && eps.length > 0;
        next.set(id, known || !byInstance.has(id) ? eps : byInstance.get(id)!);
      }
      byInstance = next;
      const list = [...next.values()].flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const unique = list.filter((e, i) => i === 0 || e.id !== list[i - 1]!.id);
      if (failing) opts.logger?.info({ interface: opts.filter.interface }, 'application-level discovery recovered');
      failing = false;
      if (!closed && !sameList(unique, endpoints)) {
        endpoints = Object.freeze(unique);
        opts.logger?.info(
          { interface: opts.filter.interface, endpoints: unique.map((e) => e.id) },
          'dubbo providers changed (application level)',
        );
        out.emit(endpoints, opts.logger);
      }
    } catch (err) {
      if (!failing)
        opts.logger?.warn(
          { err: (err as Error).message, interface: opts.filter.interface },
          'application-level discovery failed, keeping the last list',
        );
      failing = true;
    } finally {
      polling = false;
      resolveReady();
      if (!closed) {
        clearTimeout(timer);
        timer = setTimeout(() => void poll(), again ? 0 : intervalMs);
        timer.unref();
      }
    }
  };
  void poll();

  return {
    refresh() {
      if (closed) return;
      if (polling) {
        again = true;
        return;
      }
      clearTimeout(timer);
      void poll();
    },
    current: () => endpoints,
    ready: () => ready,
    subscribe: (l) => out.subscribe(l),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      out.listeners.clear();
      await opts.onClose?.();
    },
  };
}

/** `auto`: the union of both sources, one endpoint per id (the application-level one wins, it carries more). */
export function mergedSource(appLevel: EndpointSource, interfaceLevel: EndpointSource, logger?: Logger): EndpointSource {
  const out = emitter();
  let endpoints: readonly Endpoint[] = Object.freeze(mergeEndpoints(appLevel.current(), interfaceLevel.current()));
  const update = () => {
    const next = mergeEndpoints(appLevel.current(), interfaceLevel.current());
    if (sameList(next, endpoints)) return;
    endpoints = Object.freeze(next);
    out.emit(endpoints, logger);
  };
  const offA = appLevel.subscribe(update);
  const offI = interfaceLevel.subscribe(update);
  return {
    current: () => endpoints,
    ready: async () => {
      await Promise.all([appLevel.ready(), interfaceLevel.ready()]);
      update();
    },
    subscribe: (l) => out.subscribe(l),
    async close() {
      offA();
      offI();
      out.listeners.clear();
      await Promise.allSettled([appLevel.close(), interfaceLevel.close()]);
    },
  };
}
