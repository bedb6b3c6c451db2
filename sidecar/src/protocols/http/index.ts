import type { ProtocolPlugin } from '../types.js';
import { proxyRoute } from './route.js';
import { httpServiceSchema, type HttpServiceConfig } from './schema.js';

/** `protocol: http`: calls and pass-through to plain HTTP services. */
export const http: ProtocolPlugin<HttpServiceConfig> = {
  name: 'http',
  schema: httpServiceSchema,
  hotRoutes: [proxyRoute],
  load: async () => (await import('./protocol.js')).httpProtocol,
};
