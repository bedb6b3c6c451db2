import type { Protocol } from '../types.js';
import { rpcTelemetry } from '../telemetry.js';
import { ATTR } from '../../observability/tracing.js';
import { createJsonRpcClient } from './client.js';
import type { JsonRpcServiceConfig } from './schema.js';

export const jsonrpcProtocol: Protocol<JsonRpcServiceConfig> = {
  name: 'jsonrpc',
  schemes: ['jsonrpc'],
  serviceKey: (service) => ({
    interface: service.interface ?? service.name,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
  }),
  createClient: (service, ctx) => createJsonRpcClient(service, ctx),
  telemetry: (service) =>
    rpcTelemetry({
      system: 'jsonrpc',
      service: service.interface ?? service.name,
      attributes: { [ATTR.rpcJsonrpcVersion]: '2.0' },
      outcome: (_reply, status) => (typeof status === 'number' ? { [ATTR.rpcJsonrpcErrorCode]: status } : undefined),
    }),
};
