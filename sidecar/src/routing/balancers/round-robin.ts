import type { Balancer } from './types.js';

/**
 * Smooth weighted round-robin (the nginx/Dubbo algorithm): equal weights alternate strictly. All weights zero
 * counts as equal weights, as in weighted random (Dubbo's own round-robin would send everything to the first).
 */
export function createRoundRobinBalancer(): Balancer {
  const current = new Map<string, number>();
  return {
    pick(endpoints) {
      const allZero = endpoints.every((e) => e.weight <= 0);
      let total = 0;
      let best = endpoints[0]!;
      let bestWeight = -Infinity;
      for (const endpoint of endpoints) {
        const weight = allZero ? 1 : Math.max(0, endpoint.weight);
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
