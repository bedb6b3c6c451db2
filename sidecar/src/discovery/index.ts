import type { ServiceConfig, FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { EndpointSource } from './types.js';
import { createStaticSource } from './static.js';

export interface DiscoveryContext {
  config: FerryConfig;
  logger: Logger;
}

/** Static endpoints from config, or a registry watch. */
export function createEndpointSource(service: ServiceConfig, ctx: DiscoveryContext): EndpointSource {
  if (service.endpoints) return createStaticSource(service.endpoints);
  throw new Error(`services.${service.name}.registry: registry discovery is not available for protocol ${service.protocol}`);
}
