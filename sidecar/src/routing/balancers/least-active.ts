import type { Endpoint } from '../../discovery/types.js';
import type { Balancer } from './types.js';

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
      if (ties.length === 1) return ties[0]!;
      const total = ties.reduce((s, e) => s + Math.max(0, e.weight), 0);
      if (total <= 0) return ties[Math.floor(random() * ties.length)]!;
      let offset = random() * total;
      for (const e of ties) {
        offset -= Math.max(0, e.weight);
        if (offset < 0) return e;
      }
      return ties[ties.length - 1]!;
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
