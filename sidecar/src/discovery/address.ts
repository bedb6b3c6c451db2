import { networkInterfaces } from 'node:os';
import type { FerryConfig } from '../config/schema.js';

/** The address written into registry nodes: configured (pod IP), else the first non-internal IPv4, else loopback. */
export function advertisedHost(config: FerryConfig): string {
  if (config.advertiseHost) return config.advertiseHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) if (addr.family === 'IPv4' && !addr.internal) return addr.address;
  }
  return '127.0.0.1';
}
