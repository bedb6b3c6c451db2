import type { Carrier } from '../types.js';
import { httpCarrier, type HttpHeaders } from '../http/carrier.js';

/** JSON-RPC 2.0 travels over HTTP here, so its propagation carrier is the request's HTTP headers. */
export type JsonRpcHeaders = HttpHeaders;

/** Header names Ferry never lets a propagated key overwrite: they frame the JSON-RPC request itself. */
const FRAMING = new Set(['content-type', 'content-length', 'accept', 'host', 'connection', 'transfer-encoding']);

export const jsonrpcCarrier: Carrier<JsonRpcHeaders> = {
  get: httpCarrier.get,
  set(headers, key, value) {
    if (FRAMING.has(key.toLowerCase())) return;
    httpCarrier.set(headers, key, value);
  },
  keys: httpCarrier.keys,
};
