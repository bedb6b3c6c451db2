import type { Protocol } from '../types.js';
import { createTripleClient } from './client.js';

/** `protocol: triple`: Dubbo 3's Triple — IDL services as gRPC, plain-Java-interface services as HTTP/JSON; `tri://` providers. */
export const tripleProtocol: Protocol = {
  name: 'triple',
  rpcSystem: 'apache_dubbo',
  createClient: (service, ctx) => createTripleClient(service, ctx),
};
