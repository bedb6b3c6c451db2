import type { ProtocolPlugin } from '../types.js';
import { batchRoute } from './route.js';
import { jsonrpcServiceSchema, type JsonRpcServiceConfig } from './schema.js';

/** `protocol: jsonrpc`: JSON-RPC 2.0 over HTTP (static URLs or `jsonrpc://` providers from a registry). */
export const jsonrpc: ProtocolPlugin<JsonRpcServiceConfig> = {
  name: 'jsonrpc',
  schema: jsonrpcServiceSchema,
  routes: [batchRoute],
  load: async () => (await import('./protocol.js')).jsonrpcProtocol,
};
