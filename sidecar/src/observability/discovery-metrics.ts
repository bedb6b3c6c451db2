/**
 * Discovery gauges, kept from the outside so discovery code needs no metrics wiring:
 * - `ferry_registry_providers{service}` follows each route's endpoint source (ZooKeeper or static);
 * - `ferry_zookeeper_state{registry,state}` / `ferry_zookeeper_connected{registry}` follow the shared
 *   ZooKeeper session of every registry a service (or the inbound Dubbo provider) uses.
 * Never throws; `stop()` undoes every subscription.
 */
import type { FerryConfig } from '../config/schema.js';
import type { Runtime } from '../runtime.js';
import type { Logger } from './logger.js';
import { sharedSession, type ZooKeeperSession } from '../discovery/zookeeper/zk-client.js';
import type { FerryMetrics, ZookeeperState } from './metrics.js';

export function watchDiscovery(config: FerryConfig, runtime: Runtime, metrics: FerryMetrics, logger?: Logger): () => void {
  const undo: Array<() => void> = [];
  try {
    for (const route of runtime.router.routes()) {
      metrics.setProviderCount(route.name, route.source.current().length);
      undo.push(route.source.subscribe((endpoints) => metrics.setProviderCount(route.name, endpoints.length)));
    }
    const used = new Set<string>();
    for (const svc of Object.values(config.services)) if (svc.registry) used.add(svc.registry);
    if (config.inbound.dubbo?.registry) used.add(config.inbound.dubbo.registry);
    for (const name of used) {
      const registry = config.registries[name];
      if (!registry || registry.type !== 'zookeeper') continue;
      const session: ZooKeeperSession = sharedSession(registry, logger);
      const set = (state: ZookeeperState) => () => metrics.setZookeeperState(name, state);
      const listeners = { connected: set('connected'), disconnected: set('disconnected'), expired: set('expired') };
      metrics.setZookeeperState(name, session.state === 'connected' ? 'connected' : session.state === 'closed' ? 'closed' : session.state === 'disconnected' ? 'disconnected' : 'connecting');
      session.on('connected', listeners.connected);
      session.on('disconnected', listeners.disconnected);
      session.on('expired', listeners.expired);
      undo.push(() => {
        session.off('connected', listeners.connected);
        session.off('disconnected', listeners.disconnected);
        session.off('expired', listeners.expired);
        void session.release().catch(() => {});
      });
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
