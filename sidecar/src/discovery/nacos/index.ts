/**
 * `type: nacos`: Dubbo's layouts in Nacos (interface-level `providers:{interface}:{version}:{group}` services and
 * application-level app-named services, see dubbo.ts) and any Nacos service by name (HTTP and JSON-RPC apps),
 * over the v1 HTTP open API (http-v1.ts; the transport interface leaves room for a v2/v3 or gRPC one). Reads
 * are polled (a removal is seen within `pollIntervalMs + requestTimeoutMs`); Ferry's own instances are
 * ephemeral, heartbeated, registered again after a Nacos restart and deregistered on close.
 */
import type { RegistryPlugin } from '../types.js';
import { nacosSchema, type NacosConfig } from './schema.js';

export const nacos: RegistryPlugin<NacosConfig> = {
  type: 'nacos',
  schema: nacosSchema,
  finds: ['interface', 'app'],
  load: async () => (await import('./create.js')).createNacosRegistry,
};
