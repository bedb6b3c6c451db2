import type { Balancer } from './types.js';

/** Weighted random, Dubbo's default: equal weights pick uniformly. */
export function createRandomBalancer(random: () => number = Math.random): Balancer {
  return {
    pick(endpoints) {
      const total = endpoints.reduce((sum, e) => sum + Math.max(0, e.weight), 0);
      if (total <= 0) return endpoints[Math.floor(random() * endpoints.length)]!;
      let offset = random() * total;
      for (const endpoint of endpoints) {
        offset -= Math.max(0, endpoint.weight);
        if (offset < 0) return endpoint;
      }
      return endpoints[endpoints.length - 1]!;
    },
  };
}
