import type { Protocol } from '../types.js';
import { rpcTelemetry } from '../telemetry.js';
import { createDubboClient } from './client.js';
import { DUBBO_RPC_SYSTEM, DubboInboundServer } from './server/server.js';
import type { DubboServiceConfig } from './schema.js';
import { inboundDubbo } from './server/schema.js';

export const dubboProtocol: Protocol<DubboServiceConfig> = {
  name: 'dubbo',
  schemes: ['dubbo'],
  serviceKey: (service) => ({
    interface: service.interface,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
  }),
  createClient: (service, ctx) => createDubboClient(service, ctx),
  createServer(ctx) {
    const dubbo = inboundDubbo(ctx.config);
    return dubbo?.enabled && dubbo.services.length ? new DubboInboundServer(ctx) : undefined;
  },
  telemetry: (service) => rpcTelemetry({ system: DUBBO_RPC_SYSTEM, service: service.interface }),
};
