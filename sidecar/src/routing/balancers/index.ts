import type { Balancer } from './types.js';
import { createRandomBalancer } from './random.js';
import { createRoundRobinBalancer } from './round-robin.js';
import { createLeastActiveBalancer } from './least-active.js';
import { createConsistentHashBalancer } from './consistent-hash.js';
import type { ServiceConfig } from '../../config/schema.js';

export type { Balancer };

export type BalancerName = NonNullable<ServiceConfig['loadBalancer']>;

/** One line per balancer. */
const FACTORIES: Record<BalancerName, (service: ServiceConfig) => Balancer> = {
  random: () => createRandomBalancer(),
  roundrobin: () => createRoundRobinBalancer(),
  leastactive: () => createLeastActiveBalancer(),
  consistenthash: (service) => createConsistentHashBalancer((method) => service.methods?.[method]?.hashArguments ?? [0]),
};

export function createBalancer(name: BalancerName, service: ServiceConfig): Balancer {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`load balancer "${name}" is not available`);
  return factory(service);
}
