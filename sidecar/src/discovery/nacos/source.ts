/**
 * Nacos services as EndpointSources. Every source polls (Nacos' push channels were not reliable for removals,
 * see instances.ts): a removed instance leaves the list within one poll interval plus one request. A failed
 * read keeps the last good list.
 */
import type { Logger } from '../../observability/logger.js';
import type { Endpoint, EndpointListener, EndpointSource } from '../types.js';
import type { ConsumerFilter } from '../zookeeper/dubbo-url.js';
import { interfaceLevelEndpoints, interfaceServiceName, usable } from './dubbo.js';
import { watchInstances, type InstanceWatch } from './instances.js';
import type { NacosInstance, NacosServiceKey, NacosTransport } from './types.js';

const byId = (a: Endpoint, b: Endpoint) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sameList = (a: readonly Endpoint[], b: readonly Endpoint[]) =>
  a.length === b.length &&
  a.every(
    (e, i) =>
      e.id === b[i]!.id &&
      e.weight === b[i]!.weight &&
      e.address === b[i]!.address &&
      JSON.stringify(e.params) === JSON.stringify(b[i]!.params),
  );

/**
 * The endpoints of several watched Nacos services, mapped by `toEndpoints` and unioned (one per id). Closing it
 * closes its watches.
 */
export function watchedSource(
  watches: readonly InstanceWatch[],
  toEndpoints: (list: readonly NacosInstance[]) => Endpoint[],
  logger?: Logger,
): EndpointSource {
  const listeners = new Set<EndpointListener>();
  let endpoints: readonly Endpoint[] = Object.freeze([]);
  const update = () => {
    const all = watches.flatMap((w) => toEndpoints(w.current() ?? [])).sort(byId);
    const next = all.filter((e, i) => i === 0 || e.id !== all[i - 1]!.id);
    if (sameList(next, endpoints)) return;
    endpoints = Object.freeze(next);
    for (const l of listeners) {
      try {
        l(endpoints);
      } catch (err) {
        logger?.error({ err }, 'endpoint listener failed');
      }
    }
  };
  const offs = watches.map((w) => w.subscribe(update));
  return {
    current: () => endpoints,
    ready: async () => {
      await Promise.all(watches.map((w) => w.ready()));
      update();
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async close() {
      for (const off of offs) off();
      for (const w of watches) w.close();
      listeners.clear();
    },
  };
}

/**
 * One instance of a Nacos service found by name (an HTTP or JSON-RPC app, e.g. a Spring Cloud Alibaba service):
 * `http://ip:port`, `https` when its metadata says `secure: true` (Spring Cloud's convention). Nacos weights are
 * decimals around 1; Ferry's are integers around 100.
 */
export function httpEndpoint(i: NacosInstance): Endpoint {
  const host = i.ip.includes(':') ? `[${i.ip}]` : i.ip;
  const scheme = i.metadata.secure === 'true' ? 'https' : 'http';
  return {
    id: `${host}:${i.port}`,
    address: `${scheme}://${host}:${i.port}`,
    host: i.ip,
    port: i.port,
    weight: Math.round(i.weight * 100),
    params: { ...i.metadata },
  };
}

export interface SourceContext {
  transport: NacosTransport;
  namespaceId: string;
  groupName: string;
  intervalMs: number;
  logger?: Logger;
}

const key = (ctx: SourceContext, serviceName: string): NacosServiceKey => ({
  namespaceId: ctx.namespaceId,
  groupName: ctx.groupName,
  serviceName,
});
const watch = (ctx: SourceContext, serviceName: string) =>
  watchInstances(ctx.transport, key(ctx, serviceName), { intervalMs: ctx.intervalMs, ...(ctx.logger ? { logger: ctx.logger } : {}) });

/** The healthy, enabled instances of the Nacos service `name` as HTTP endpoints. */
export function nameSource(ctx: SourceContext, name: string): EndpointSource {
  return watchedSource([watch(ctx, name)], (list) => usable(list).map(httpEndpoint), ctx.logger);
}

/**
 * Interface-level Dubbo providers: `providers:{interface}:{version}:{group}` services. A group list watches each
 * group's service; a `*` version or group reads the catalog for the interface's services on every poll.
 */
export function interfaceSource(ctx: SourceContext, filter: ConsumerFilter): EndpointSource {
  const toEndpoints = (list: readonly NacosInstance[]) => interfaceLevelEndpoints(list, filter);
  if (filter.version === '*' || filter.group === '*') return catalogSource(ctx, filter);
  const groups = filter.group?.includes(',')
    ? filter.group
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
    : [filter.group];
  return watchedSource(
    groups.map((g) => watch(ctx, interfaceServiceName(filter.interface, filter.version, g))),
    toEndpoints,
    ctx.logger,
  );
}

/** Every service named `providers:{interface}:…`, re-listed on every poll (wildcard consumers). */
function catalogSource(ctx: SourceContext, filter: ConsumerFilter): EndpointSource {
  const prefix = `providers:${filter.interface}:`;
  const listeners = new Set<EndpointListener>();
  let endpoints: readonly Endpoint[] = Object.freeze([]);
  let closed = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const poll = async () => {
    try {
      const names = (await ctx.transport.listServices(ctx.namespaceId, ctx.groupName)).filter((n) => n.startsWith(prefix));
      const lists = await Promise.all(names.map((n) => ctx.transport.listInstances(key(ctx, n))));
      const next = interfaceLevelEndpoints(lists.flat(), filter).sort(byId);
      failing = false;
      if (!closed && !sameList(next, endpoints)) {
        endpoints = Object.freeze(next);
        for (const l of listeners) l(endpoints);
      }
    } catch (err) {
      if (!failing)
        ctx.logger?.warn({ err: (err as Error).message, interface: filter.interface }, 'nacos read failed, keeping the last list');
      failing = true;
    } finally {
      resolveReady();
      if (!closed) (timer = setTimeout(() => void poll(), ctx.intervalMs)).unref();
    }
  };
  void poll();
  return {
    current: () => endpoints,
    ready: () => ready,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
    },
  };
}
