/** The `type: eureka` registry handle (see index.ts): a shared registry copy per config, the app's registration. */
import type { AppInstance, Registry, RegistryContext } from '../types.js';
import { EurekaHttp } from './http.js';
import { EurekaRegistry, createEurekaSource } from './registry.js';
import { EurekaRegistration } from './registration.js';
import type { EurekaConfig } from './schema.js';
import type { Logger } from '../../observability/logger.js';
import { countedRelease } from '../counted-release.js';

interface Held {
  copy: EurekaRegistry;
  release(): Promise<void>;
}
const copies = new Map<string, { copy: EurekaRegistry; refs: number }>();

function serverOptions(config: EurekaConfig) {
  return {
    serviceUrls: config.serviceUrls,
    timeoutMs: config.timeoutMs,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
  };
}

/** The shared copy for this config; the last `release` closes it. */
function acquire(config: EurekaConfig, logger: Logger): Held {
  const key = JSON.stringify([config.serviceUrls, config.username, config.password, config.refreshMs, config.timeoutMs]);
  let shared = copies.get(key);
  if (!shared) {
    shared = { copy: new EurekaRegistry({ ...serverOptions(config), refreshMs: config.refreshMs, logger }), refs: 0 };
    copies.set(key, shared);
  }
  shared.refs++;
  const { copy } = shared;
  const last = countedRelease(shared);
  return {
    copy,
    async release() {
      if (!last()) return;
      copies.delete(key);
      await copy.close();
    },
  };
}

export function createEurekaRegistry(name: string, config: EurekaConfig, ctx: RegistryContext): Registry {
  const { logger } = ctx;
  let held: Held | undefined;
  return {
    name,
    type: 'eureka',
    watch(query) {
      if (!query.app) throw new Error(`registry "${name}" (eureka) finds services by application name: set the service's app`);
      held ??= acquire(config, logger);
      const preferIp = config.preferIpAddress ? { preferIpAddress: true } : {};
      return createEurekaSource(held.copy, { app: query.app, ...preferIp, logger });
    },
    register: () => Promise.reject(new Error(`registry "${name}" (eureka) registers the app (inbound.app.register), not Dubbo records`)),
    async registerApp(app: AppInstance) {
      const http = new EurekaHttp(serverOptions(config));
      const i = config.instance;
      const registration = new EurekaRegistration({
        http,
        app: app.name,
        host: app.host,
        port: app.port,
        ...(i.instanceId ? { instanceId: i.instanceId } : {}),
        ...(i.vipAddress ? { vipAddress: i.vipAddress } : {}),
        metadata: i.metadata,
        renewalIntervalMs: i.renewalIntervalMs,
        leaseDurationMs: i.leaseDurationMs,
        unhealthyStatus: i.unhealthyStatus,
        ...(app.healthUrl ? { healthCheckUrl: app.healthUrl } : {}),
        logger,
      });
      await registration.started();
      return {
        id: `${name}:${registration.app}/${registration.instanceId}`,
        setHealthy: (healthy) => registration.setHealthy(healthy),
        async close() {
          await registration.close();
          await http.close();
        },
      };
    },
    async close() {
      const h = held;
      held = undefined;
      await h?.release();
    },
  };
}
