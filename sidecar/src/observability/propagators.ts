/**
 * The trace-context formats Ferry reads and writes (W3C `traceparent`/`tracestate`, B3 single `b3` and multi
 * `x-b3-*`), in a module of their own: loaded only when tracing is on or an inbound server reads callers' context.
 */
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { TRACE_CONTEXT_HEADERS } from '@ferry/sdk/contract';
import type { Headers, TracingConfig } from './tracing.js';

const TRACE_HEADERS: ReadonlySet<string> = new Set(TRACE_CONTEXT_HEADERS);

/**
 * Whether a carrier may hold trace context: a name of `TRACE_CONTEXT_HEADERS`, in any case. Most requests carry
 * none, and the propagators would otherwise look each of their eight names up (a case-insensitive scan per
 * name missing).
 */
function mayCarryTrace(carrier: unknown): boolean {
  for (const key in carrier as Headers) {
    const first = key.charCodeAt(0) | 0x20; // lower case of an ASCII letter
    if ((first === 0x74 || first === 0x62 || first === 0x78) && TRACE_HEADERS.has(key.toLowerCase())) return true; // t b x
  }
  return false;
}

/**
 * Reads every supported format (B3 first, so W3C wins when both are present); writes the configured ones.
 */
export function buildPropagator(inject: TracingConfig['propagators']): TextMapPropagator {
  const extractors: TextMapPropagator[] = [new B3Propagator(), new W3CTraceContextPropagator()];
  const injectors: TextMapPropagator[] = [...new Set(inject)].map((name) =>
    name === 'tracecontext'
      ? new W3CTraceContextPropagator()
      : new B3Propagator({ injectEncoding: name === 'b3' ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER }),
  );
  return {
    inject(ctx, carrier, setter) {
      for (const p of injectors) p.inject(ctx, carrier, setter);
    },
    extract(ctx, carrier, getter) {
      if (!mayCarryTrace(carrier)) return ctx;
      return extractors.reduce((acc, p) => p.extract(acc, carrier, getter), ctx);
    },
    fields: () => [...TRACE_CONTEXT_HEADERS],
  };
}

/** Reads header-like maps (HTTP headers, Dubbo attachments, gRPC metadata as a record) case-insensitively. */
export const headersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    let value = carrier[key];
    if (value === undefined) {
      const lower = key.toLowerCase();
      for (const k of Object.keys(carrier)) {
        if (k.toLowerCase() === lower) {
          value = carrier[k];
          break;
        }
      }
    }
    return Array.isArray(value) ? value[0] : value;
  },
};

/** Writes lower-case keys into `call.outgoing`; each protocol's carrier then writes them upstream. */
export const outgoingSetter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key.toLowerCase()] = value;
  },
};
