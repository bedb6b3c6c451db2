import { createHash } from 'node:crypto';
import type { Endpoint } from '../../discovery/types.js';
import type { Call } from '../../pipeline/types.js';
import type { Balancer } from './types.js';

/** Virtual nodes per endpoint on the ring (Dubbo's default `hash.nodes` is 160). */
const REPLICAS = 160;

/** The hash key of a call: the chosen argument positions (Dubbo's `hash.arguments`, default the first). */
export function hashKey(call: Call, positions: readonly number[]): string {
  const args = Array.isArray(call.args) ? call.args : [call.args];
  return positions.map((i) => JSON.stringify(args[i] ?? null)).join(',');
}

function hash(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}

interface Ring {
  ids: string;
  points: number[];
  owners: Endpoint[];
}

/**
 * Consistent hashing on the chosen arguments: the same key goes to the same endpoint while it is there, and
 * only the keys of an endpoint that leaves move. The ring is rebuilt only when the endpoint set changes.
 */
export function createConsistentHashBalancer(argumentsFor: (method: string) => readonly number[]): Balancer {
  let ring: Ring | undefined;
  const build = (endpoints: readonly Endpoint[]): Ring => {
    const entries: Array<[number, Endpoint]> = [];
    for (const endpoint of endpoints) {
      for (let i = 0; i < REPLICAS; i++) entries.push([hash(`${endpoint.id}#${i}`), endpoint]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    return { ids: endpoints.map((e) => e.id).join('|'), points: entries.map((e) => e[0]), owners: entries.map((e) => e[1]) };
  };
  return {
    pick(endpoints, call) {
      const ids = endpoints.map((e) => e.id).join('|');
      if (!ring || ring.ids !== ids) ring = build(endpoints);
      const h = hash(hashKey(call, argumentsFor(call.method)));
      let lo = 0;
      let hi = ring.points.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ring.points[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      return ring.owners[lo % ring.owners.length]!;
    },
  };
}
