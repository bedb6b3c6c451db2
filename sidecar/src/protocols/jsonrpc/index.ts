import type { ProtocolPlugin } from '../types.js';
import { jsonrpcServiceSchema, type JsonRpcServiceConfig } from './schema.js';

/** `protocol: jsonrpc`: JSON-RPC 2.0 over HTTP (static URLs or `jsonrpc://` providers from a registry). */
export const jsonrpc: ProtocolPlugin<JsonRpcServiceConfig> = {
  name: 'jsonrpc',
  schema: jsonrpcServiceSchema,
  load: async () => (await import('./protocol.js')).jsonrpcProtocol,
};
