import type { Protocol } from '../types.js';
import { rpcTelemetry } from '../telemetry.js';
import { ATTR } from '../../observability/tracing.js';
import { createGrpcClient } from './client.js';
import type { GrpcServiceConfig } from './schema.js';

export const grpcProtocol: Protocol<GrpcServiceConfig> = {
  name: 'grpc',
  schemes: ['tri'],
  serviceKey: (service) => ({
    interface: service.interface ?? service.service!,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
  }),
  createClient: (service, ctx) => createGrpcClient(service, ctx),
  telemetry: (service) =>
    rpcTelemetry({
      system: 'grpc',
      service: service.interface ?? service.service ?? service.name,
      methodsChecked: true,
      outcome: (reply, status) =>
        reply ? { [ATTR.rpcGrpcStatusCode]: 0 } : typeof status === 'number' ? { [ATTR.rpcGrpcStatusCode]: status } : undefined,
    }),
};
