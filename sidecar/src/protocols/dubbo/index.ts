import type { Protocol } from '../types.js';
import { createDubboClient } from './client.js';

export const dubboProtocol: Protocol = {
  name: 'dubbo',
  rpcSystem: 'apache_dubbo',
  createClient: (service, ctx) => createDubboClient(service, ctx),
};
