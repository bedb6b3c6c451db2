import type { Balancer } from './types.js';

/** Smooth weighted round-robin (the nginx/Dubbo algorithm): equal weights alternate strictly. */
export function createRoundRobinBalancer(): Balancer {
  const current = new Map<string, number>();
  return {
    pick(endpoints) {
      let total = 0;
      let best = endpoints[0]!;
      let bestWeight = -Infinity;
      for (const endpoint of endpoints) {
        const weight = Math.max(0, endpoint.weight);
        total += weight;
        const value = (current.get(endpoint.id) ?? 0) + weight;
        current.set(endpoint.id, value);
        if (value > bestWeight) {
          bestWeight = value;
          best = endpoint;
        }
      }
      current.set(best.id, bestWeight - total);
      if (current.size > endpoints.length * 4) {
        const live = new Set(endpoints.map((e) => e.id));
        for (const id of current.keys()) if (!live.has(id)) current.delete(id);
      }
      return best;
    },
  };
}
