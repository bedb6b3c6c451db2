import type { ServiceConfig } from '../config/schema.js';
import type { Protocol } from './types.js';
import { httpProtocol } from './http/index.js';
import { jsonrpcProtocol } from './jsonrpc/index.js';
import { grpcProtocol } from './grpc/index.js';
import { dubboProtocol } from './dubbo/index.js';
import { tripleProtocol } from './triple/index.js';

/** Protocol name → implementation. Adding a protocol is one folder and one line here. */
const PROTOCOLS: Partial<Record<ServiceConfig['protocol'], Protocol>> = {
  http: httpProtocol,
  jsonrpc: jsonrpcProtocol,
  grpc: grpcProtocol,
  dubbo: dubboProtocol,
  triple: tripleProtocol,
};

export function getProtocol(name: ServiceConfig['protocol']): Protocol {
  const protocol = PROTOCOLS[name];
  if (!protocol) throw new Error(`protocol "${name}" is not available in this build`);
  return protocol;
}
