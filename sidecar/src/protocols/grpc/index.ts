import type { Protocol } from '../types.js';
import { createGrpcClient } from './client.js';

/** `protocol: grpc`: gRPC over HTTP/2 with @grpc/grpc-js (static `host:port` or `tri://` providers from ZooKeeper). */
export const grpcProtocol: Protocol = {
  name: 'grpc',
  rpcSystem: 'grpc',
  createClient: (service, ctx) => createGrpcClient(service, ctx),
};

export { grpcCarrier } from './carrier.js';
