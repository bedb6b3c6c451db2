import type { Endpoint } from '../../discovery/types.js';
import type { Balancer } from './types.js';

/** Picks by weight (all weights zero: uniformly). */
export function weightedPick(endpoints: readonly Endpoint[], random: () => number): Endpoint {
  const total = endpoints.reduce((sum, e) => sum + Math.max(0, e.weight), 0);
  if (total <= 0) return endpoints[Math.floor(random() * endpoints.length)]!;
  let offset = random() * total;
  for (const endpoint of endpoints) {
    offset -= Math.max(0, endpoint.weight);
    if (offset < 0) return endpoint;
  }
  return endpoints[endpoints.length - 1]!;
}

/** Weighted random, Dubbo's default: equal weights pick uniformly. */
export function createRandomBalancer(random: () => number = Math.random): Balancer {
  return { pick: (endpoints) => weightedPick(endpoints, random) };
}
