import { TRACE_CONTEXT_HEADERS, headerMatcher, type HeaderMatcher } from '@ferry/sdk/contract';
import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Call, Interceptor } from './types.js';

/**
 * The one place that decides which of the app's request headers travel upstream (as HTTP headers, Dubbo
 * attachments or gRPC metadata), for invoke and pass-through calls alike.
 *
 * - The allow-list (`propagation.headers`: exact names and `prefix*` patterns) names what travels; a service
 *   may replace it (`services.X.propagation.headers`) or trim it (`services.X.propagation.exclude`).
 * - Trace context headers belong to the tracer when tracing is on (it writes fresh ones per attempt); when it
 *   is off they pass through unchanged, so the app's own trace still reaches the upstream.
 * - Connection-level and Ferry control headers never travel, whatever a pattern says.
 * - Keys the app asked for explicitly (`x-ferry-attach-*`, already in `call.outgoing`) are kept as given.
 * - Pass-through (`/v1/proxy`) forwards the app's request headers as sent, except the governed ones (any name
 *   an allow-list or exclude mentions), which travel only where this service's list allows them.
 */

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus Ferry's own. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  // Ferry answers `Expect: 100-continue` itself (node:http sends the 100) and forwards the body it then gets
  'expect',
  // the local API's token is Ferry's alone
  'ferry-api-token',
]);

const TRACE_SET: ReadonlySet<string> = new Set(TRACE_CONTEXT_HEADERS);

export function isTraceHeader(name: string): boolean {
  return TRACE_SET.has(name.toLowerCase());
}

/** Never propagated: they describe the app→Ferry request or connection, not the call. */
const NEVER = new Set([
  ...HOP_BY_HOP,
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'http2-settings',
]);

export function neverPropagated(name: string): boolean {
  return NEVER.has(name) || name.startsWith('x-ferry-') || name.startsWith(':');
}

/** The allow-list for one service: the global list, replaced or trimmed by the service's override. */
export function serviceMatcher(config: FerryConfig, service: ServiceConfig): HeaderMatcher {
  const base = headerMatcher(service.propagation?.headers ?? config.propagation.headers);
  const excluded = headerMatcher(service.propagation?.exclude ?? []);
  return (name) => base(name) && !excluded(name);
}

/** Names any allow-list or exclude in the config mentions: pass-through forwards them only where allowed. */
export function governedMatcher(config: FerryConfig): HeaderMatcher {
  const patterns = [...config.propagation.headers];
  for (const svc of Object.values(config.services)) patterns.push(...(svc.propagation?.headers ?? []), ...(svc.propagation?.exclude ?? []));
  return headerMatcher(patterns);
}

export interface PropagationOptions {
  /** `tracer`: the tracing interceptor writes trace headers; `passthrough`: the app's travel as they are. */
  traceHeaders: 'tracer' | 'passthrough';
}

function headerValue(name: string, value: string | string[]): string {
  return Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
}

/**
 * A header map copied key by key (less the names `skip` says), for more keys to be added to the copy. Not
 * `{ ...headers }`: V8 (Node 20) gives a spread copy a hidden class of its own that caches no transitions, so each key
 * added to it made new hidden classes (and undici's Object.keys a new enum cache) on every call: ~0.3 KB promoted per
 * pass-through call, and a full GC every ~20 s at 1000 req/s.
 */
export function copyHeaders<V>(headers: Readonly<Record<string, V>>, skip?: (name: string) => boolean): Record<string, V> {
  const out: Record<string, V> = {};
  for (const name in headers) if (!skip?.(name)) out[name] = headers[name]!;
  return out;
}

/**
 * The headers of `incoming` that travel, lower-case names, string values. `into` (explicit keys) wins.
 */
export function selectHeaders(
  incoming: Record<string, string | string[] | undefined>,
  allowed: HeaderMatcher,
  options: PropagationOptions,
  into: Record<string, string> = {},
): Record<string, string> {
  const out = copyHeaders(into);
  for (const [rawName, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (neverPropagated(name) || Object.prototype.hasOwnProperty.call(into, name)) continue;
    const trace = TRACE_SET.has(name);
    if (trace ? options.traceHeaders === 'passthrough' : allowed(name)) out[name] = headerValue(name, value);
  }
  return out;
}

export type PropagationPolicy = ReturnType<typeof propagationPolicy>;

/** Builds (once per config, matchers once per service) and applies the propagation policy of one config. */
export function propagationPolicy(config: FerryConfig) {
  const options: PropagationOptions = { traceHeaders: config.tracing.enabled ? 'tracer' : 'passthrough' };
  const governed = governedMatcher(config);
  const matchers = new Map<string, HeaderMatcher>();
  const matcherFor = (service: ServiceConfig): HeaderMatcher => {
    let m = matchers.get(service.name);
    if (!m) matchers.set(service.name, (m = serviceMatcher(config, service)));
    return m;
  };
  return {
    options,
    matcherFor,
    /** The call with `outgoing` filled and pass-through headers filtered, for a call to `service`. */
    apply(call: Call, service: ServiceConfig): Call {
      const allowed = matcherFor(service);
      const outgoing = selectHeaders(call.incomingHeaders, allowed, options, call.outgoing);
      if (!call.http) return { ...call, outgoing };
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(call.http.headers)) {
        if (TRACE_SET.has(name) ? options.traceHeaders === 'passthrough' : !governed(name) || allowed(name)) headers[name] = value;
      }
      return { ...call, outgoing, http: { ...call.http, headers } };
    },
  };
}

/**
 * Copies the allow-listed headers of the app's request into `call.outgoing`, from where each protocol
 * client writes them with its carrier (HTTP headers, Dubbo attachments, gRPC metadata). The service's
 * matcher is built when the route composes its chain, not per call.
 */
export function propagationInterceptor(policy: PropagationPolicy, service: ServiceConfig): Interceptor {
  policy.matcherFor(service);
  return (next) =>
    function propagate(call) {
      return next(policy.apply(call, service));
    };
}

/**
 * Inbound (a consumer → Ferry → the app): the received keys (attachments, metadata) the global allow-list
 * names become the app's request headers; services' overrides are outbound only. `reserved` keys (the
 * protocol's own, e.g. Dubbo's `path`, `timeout`) never do.
 */
export function inboundPropagationInterceptor(config: FerryConfig, reserved: (name: string) => boolean): Interceptor {
  const listed = headerMatcher(config.propagation.headers);
  const options: PropagationOptions = { traceHeaders: config.tracing.enabled ? 'tracer' : 'passthrough' };
  return (next) =>
    function propagateInbound(call) {
      const received: Call['incomingHeaders'] = {};
      for (const [name, value] of Object.entries(call.incomingHeaders)) if (!reserved(name)) received[name] = value;
      return next({ ...call, outgoing: selectHeaders(received, listed, options, call.outgoing) });
    };
}
