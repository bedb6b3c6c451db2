import type { ProtocolPlugin } from '../types.js';
import { checkProtoFiles, grpcServiceSchema, resolveProtoPaths, type GrpcServiceConfig } from './schema.js';

/** `protocol: grpc`: gRPC over HTTP/2 with @grpc/grpc-js (static `host:port` or `tri://` providers from a registry). */
export const grpc: ProtocolPlugin<GrpcServiceConfig> = {
  name: 'grpc',
  schema: grpcServiceSchema,
  resolvePaths: resolveProtoPaths,
  checkFiles: checkProtoFiles,
  load: async () => (await import('./protocol.js')).grpcProtocol,
};
