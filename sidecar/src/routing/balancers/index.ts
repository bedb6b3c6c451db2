import type { Balancer } from './types.js';
import { createRandomBalancer } from './random.js';
import { createRoundRobinBalancer } from './round-robin.js';
import type { ServiceConfig } from '../../config/schema.js';

export type { Balancer };

export type BalancerName = NonNullable<ServiceConfig['loadBalancer']>;

/** One line per balancer. */
const FACTORIES: Partial<Record<BalancerName, (service: ServiceConfig) => Balancer>> = {
  random: () => createRandomBalancer(),
  roundrobin: () => createRoundRobinBalancer(),
};

export function createBalancer(name: BalancerName, service: ServiceConfig): Balancer {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`load balancer "${name}" is not available`);
  return factory(service);
}
