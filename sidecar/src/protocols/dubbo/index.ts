import type { ProtocolPlugin } from '../types.js';
import { adhocRoute } from './route.js';
import { dubboServiceSchema, type DubboServiceConfig } from './schema.js';
import { dubboInboundSchema } from './server/schema.js';

/** `protocol: dubbo`: Apache Dubbo 2 protocol with Hessian 2, both directions (consumer and provider). */
export const dubbo: ProtocolPlugin<DubboServiceConfig> = {
  name: 'dubbo',
  schema: dubboServiceSchema,
  inbound: dubboInboundSchema,
  routes: [adhocRoute],
  load: async () => (await import('./protocol.js')).dubboProtocol,
};
