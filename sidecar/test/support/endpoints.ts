import type { Endpoint } from '../../src/discovery/types.js';
import type { Call } from '../../src/pipeline/types.js';

/** An endpoint as discovery makes it (`host:port` id, Dubbo's default weight 100). */
export function ep(id: string, weight = 100): Endpoint {
  const [host = id, port = '20880'] = id.split(':');
  return { id, address: id, host, port: Number(port), weight, params: {} };
}

/** A call as a balancer sees it: only the method and the arguments matter to any of them. */
export function callOf(method: string, args: unknown): Call {
  return { method, args } as unknown as Call;
}

/** How often each endpoint id is picked in `n` picks. */
export function tally(n: number, pick: () => Endpoint): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick().id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}
