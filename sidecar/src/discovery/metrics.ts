/**
 * Discovery gauges, kept from the outside so registry code needs no metrics wiring:
 * - `ferry_registry_providers{service}` follows each route's endpoint source (a registry or static);
 * - `ferry_zookeeper_state{registry,state}` / `ferry_zookeeper_connected{registry}` follow the session of
 *   every ZooKeeper registry a service (or the inbound Dubbo provider) uses.
 * Never throws; the returned function undoes every subscription.
 */
import type { Logger } from '../observability/logger.js';
import type { FerryMetrics } from '../observability/metrics.js';
import type { Discovery } from './index.js';
import type { EndpointSource } from './types.js';

export interface WatchedRoute {
  readonly name: string;
  readonly source: EndpointSource;
}

export function watchDiscovery(
  discovery: Discovery,
  routes: readonly WatchedRoute[],
  registries: Iterable<string>,
  metrics: FerryMetrics,
  logger?: Logger,
): () => void {
  const undo: Array<() => void> = [];
  try {
    for (const route of routes) {
      metrics.setProviderCount(route.name, route.source.current().length);
      undo.push(route.source.subscribe((endpoints) => metrics.setProviderCount(route.name, endpoints.length)));
    }
    for (const name of new Set(registries)) {
      const registry = discovery.registry(name);
      if (registry.type !== 'zookeeper' || !registry.onState) continue;
      undo.push(registry.onState((state) => metrics.setZookeeperState(name, state)));
    }
  } catch (err) {
    logger?.warn({ err }, 'discovery metrics unavailable');
  }
  return () => {
    for (const u of undo.splice(0)) {
      try {
        u();
      } catch {
        // best effort
      }
    }
  };
}
