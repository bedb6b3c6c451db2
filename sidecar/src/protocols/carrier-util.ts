import type { Carrier } from './types.js';

/**
 * Writes `call.outgoing` (propagated headers, trace context, explicit `x-ferry-attach-*` keys) into a
 * protocol's request with its carrier: every client does it the same way, and the carrier decides what it
 * refuses (Dubbo's reserved keys, JSON-RPC framing headers, gRPC reserved metadata).
 */
export function applyOutgoing<C>(carrier: Carrier<C>, target: C, outgoing: Readonly<Record<string, string>>): C {
  for (const key in outgoing) {
    const value = outgoing[key];
    if (value === undefined) continue;
    try {
      carrier.set(target, key, value);
    } catch {
      // a key the carrier cannot hold is dropped, never fails the call
    }
  }
  return target;
}

/** Reads every key of a carrier into a plain lower-case map of strings (inbound side). */
export function readCarrier<C>(carrier: Carrier<C>, source: C): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of carrier.keys(source)) {
    const value = carrier.get(source, key);
    if (value !== undefined) out[key.toLowerCase()] = value;
  }
  return out;
}
