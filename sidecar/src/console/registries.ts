/**
 * The Registries page: per configured registry its session (state, id, generation, when it last changed), the
 * provider paths Ferry watches there with their last change, and the paths it registers itself under. Kept from
 * the outside (session events, endpoint-source subscriptions), as the discovery metrics are.
 */
import type { ZooKeeperConfig } from '../discovery/zookeeper/schema.js';
import type { FerryConfig } from '../config/schema.js';
import type { InboundDubboConfig } from '../protocols/dubbo/server/schema.js';
import type { Runtime } from '../runtime.js';
import { sharedSession, type ZooKeeperSession } from '../discovery/zookeeper/zk-client.js';
import { categoryPath } from '../discovery/zookeeper/dubbo-url.js';
import type { PathState, RegistryView } from './views.js';

interface SessionState {
  session: ZooKeeperSession;
  since: number;
  events: number;
}

export class RegistryWatch {
  readonly #sessions = new Map<string, SessionState>();
  readonly #paths = new Map<string, Map<string, PathState>>();
  readonly #undo: Array<() => void> = [];
  readonly #config: FerryConfig;

  constructor(runtime: Runtime) {
    const config = runtime.config;
    this.#config = config;
    const used = new Set<string>();
    for (const route of runtime.router.routes()) {
      const name = route.config.registry;
      const registry = name ? zookeeperConfig(config, name) : undefined;
      if (!name || !registry) continue;
      used.add(name);
      const path = categoryPath(registry.root, route.protocol.serviceKey(route.config as never).interface, 'providers');
      const paths = this.#paths.get(name) ?? new Map<string, PathState>();
      this.#paths.set(name, paths);
      const state = paths.get(path) ?? { path, services: [], endpoints: route.source.current().length };
      paths.set(path, state);
      state.services.push(route.name);
      this.#undo.push(
        route.source.subscribe((endpoints) => {
          state.endpoints = endpoints.length;
          state.lastChange = Date.now();
        }),
      );
    }
    const inbound = config.inbound.dubbo as InboundDubboConfig | undefined;
    if (inbound?.registry) used.add(inbound.registry);
    for (const name of used) {
      const registry = zookeeperConfig(config, name);
      if (!registry) continue;
      const session = sharedSession(registry);
      const entry: SessionState = { session, since: Date.now(), events: 0 };
      const changed = () => {
        entry.since = Date.now();
        entry.events++;
      };
      for (const event of ['connected', 'disconnected', 'expired', 'session'] as const) session.on(event, changed);
      this.#sessions.set(name, entry);
      this.#undo.push(() => {
        for (const event of ['connected', 'disconnected', 'expired', 'session'] as const) session.off(event, changed);
        void session.release().catch(() => {});
      });
    }
  }

  view(): RegistryView[] {
    const inbound = this.#config.inbound.dubbo as InboundDubboConfig | undefined;
    return Object.keys(this.#config.registries).map((name) => {
      const registry = { address: '', root: '/', ...this.#config.registries[name], ...zookeeperConfig(this.#config, name) };
      const s = this.#sessions.get(name);
      const registered =
        inbound?.enabled && inbound.registry === name
          ? inbound.services.map((svc) => categoryPath(registry.root, svc.interface, 'providers'))
          : [];
      for (const svc of Object.values(this.#config.services)) {
        const iface = svc.protocol === 'dubbo' ? (svc as { interface?: string }).interface : undefined;
        if (svc.registry === name && iface) registered.push(categoryPath(registry.root, iface, 'consumers'));
      }
      const sessionId = s?.session.sessionId();
      return {
        name,
        type: registry.type,
        address: registry.address,
        root: registry.root,
        state: s ? s.session.state : 'unused',
        ...(sessionId ? { sessionId: `0x${sessionId.replace(/^0+/, '')}` } : {}),
        generation: s?.session.generation ?? 0,
        since: s?.since ?? 0,
        watched: [...(this.#paths.get(name)?.values() ?? [])],
        registered: [...new Set(registered)],
      };
    });
  }

  close(): void {
    for (const undo of this.#undo.splice(0)) {
      try {
        undo();
      } catch {
        // best effort
      }
    }
  }
}

/** The registry's config when it is a ZooKeeper one (the console reads its sessions and paths). */
function zookeeperConfig(config: FerryConfig, name: string): ZooKeeperConfig | undefined {
  const registry = config.registries[name];
  return registry?.type === 'zookeeper' ? (registry as unknown as ZooKeeperConfig) : undefined;
}
