import type { Protocol } from '../types.js';
import { createHttpClient } from './client.js';

export const httpProtocol: Protocol = {
  name: 'http',
  rpcSystem: 'http',
  createClient: () => createHttpClient(),
};
