import type { Endpoint } from '../../discovery/types.js';
import type { Balancer } from './types.js';
import { weightedPick } from './random.js';

/**
 * Dubbo's least-active: the endpoint with the fewest calls in flight from this Ferry wins; ties are broken
 * by weighted random, as Dubbo does.
 */
export function createLeastActiveBalancer(random: () => number = Math.random): Balancer {
  const active = new Map<string, number>();
  return {
    pick(endpoints) {
      let least = Infinity;
      let ties: Endpoint[] = [];
      for (const endpoint of endpoints) {
        const n = active.get(endpoint.id) ?? 0;
        if (n < least) {
          least = n;
          ties = [endpoint];
        } else if (n === least) ties.push(endpoint);
      }
      return ties.length === 1 ? ties[0]! : weightedPick(ties, random);
    },
    onStart(endpoint) {
      active.set(endpoint.id, (active.get(endpoint.id) ?? 0) + 1);
    },
    onEnd(endpoint) {
      const n = (active.get(endpoint.id) ?? 1) - 1;
      if (n <= 0) active.delete(endpoint.id);
      else active.set(endpoint.id, n);
    },
  };
}
