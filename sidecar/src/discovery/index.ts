import type { ServiceConfig, FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { EndpointSource } from './types.js';
import { createStaticSource } from './static.js';
import { createZooKeeperSource } from './zookeeper/providers.js';
import { consumerUrl, registerConsumer, type Registration } from './zookeeper/providers.js';
import { advertisedHost } from './address.js';

export interface DiscoveryContext {
  config: FerryConfig;
  logger: Logger;
}

/** Which provider URL scheme in the registry serves each protocol. */
const REGISTRY_SCHEMES = { dubbo: 'dubbo', jsonrpc: 'jsonrpc', grpc: 'tri', triple: 'tri' } as const;

/** Static endpoints from config, or a registry watch. */
export function createEndpointSource(service: ServiceConfig, ctx: DiscoveryContext): EndpointSource {
  if (service.endpoints) return createStaticSource(service.endpoints);
  const registry = ctx.config.registries[service.registry!]!;
  if (service.protocol === 'http') throw new Error(`services.${service.name}: protocol http takes static endpoints only`);
  const iface = service.interface ?? service.service!;
  const source = createZooKeeperSource(registry, {
    interface: iface,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
    protocol: REGISTRY_SCHEMES[service.protocol],
    logger: ctx.logger,
  });
  if (service.protocol !== 'dubbo') return source;
  // Java consumers announce themselves under /consumers; dubbo-admin and ops tooling expect it.
  const url = consumerUrl({
    ip: advertisedHost(ctx.config),
    interface: iface,
    application: ctx.config.application,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
    ...(service.methods ? { methods: Object.keys(service.methods) } : {}),
  });
  const registration: Promise<Registration | undefined> = registerConsumer(registry, url, { logger: ctx.logger }).catch((err: unknown) => {
    ctx.logger.warn({ err: (err as Error).message, service: service.name }, 'could not register as a consumer in ZooKeeper');
    return undefined;
  });
  return {
    ...source,
    current: () => source.current(),
    async close() {
      await (await registration)?.close();
      await source.close();
    },
  };
}
