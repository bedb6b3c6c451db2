import type { Protocol } from '../types.js';
import { createJsonRpcClient } from './client.js';

/** `protocol: jsonrpc`: JSON-RPC 2.0 over HTTP (static URLs or `jsonrpc://` providers from ZooKeeper). */
export const jsonrpcProtocol: Protocol = {
  name: 'jsonrpc',
  rpcSystem: 'jsonrpc',
  createClient: (service, ctx) => createJsonRpcClient(service, ctx),
};

export { jsonrpcCarrier } from './carrier.js';
