import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_PROPAGATED_HEADERS, HEADERS, headerMatcher } from './contract.js';

export { headerMatcher };

/**
 * The headers of the app's current incoming request that travel with every Ferry call made while handling
 * it: auth, tenant/user context, request id and trace context. The framework middleware
 * (`@ferry/sdk/express`, `/koa`, `/fastify`, `/nestjs`) fills it; `FerryClient` merges `currentHeaders()`
 * into each call, so the app never forwards them by hand.
 */
const storage = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/**
 * What the middleware captures by default: Ferry's own default allow-list (`propagation.headers`) plus the
 * trace context (W3C and B3), so Ferry's spans join the app's caller's trace.
 */
export const DEFAULT_CAPTURED_HEADERS: readonly string[] = Object.freeze([
  ...DEFAULT_PROPAGATED_HEADERS,
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-*',
]);

export interface CaptureOptions {
  /** Exact header names and `prefix*` patterns to capture (replaces the default list). */
  headers?: readonly string[];
  /** Captured in addition to `headers` (or to the default list). */
  extraHeaders?: readonly string[];
}

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * Where the captured headers keep the incoming request's deadline (epoch ms on this host), taken from the
 * `x-ferry-timeout-ms` a calling Ferry sends with the time left. Never sent: the client turns it back into the
 * time left when it calls Ferry, so nothing the app does for the request works past its caller's deadline.
 */
export const DEADLINE_KEY = 'x-ferry-deadline';

/** Builds, once, the function that picks the headers to capture from an incoming request. */
export function headerCapture(options: CaptureOptions = {}): (headers: IncomingHeaders) => Record<string, string> {
  const matches = headerMatcher([...(options.headers ?? DEFAULT_CAPTURED_HEADERS), ...(options.extraHeaders ?? [])]);
  return (headers) => {
    const out: Record<string, string> = {};
    for (const [raw, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const name = raw.toLowerCase();
      if (name === HEADERS.timeout) {
        const left = Number(Array.isArray(value) ? value[0] : value);
        if (Number.isFinite(left) && left > 0) out[DEADLINE_KEY] = String(Date.now() + left);
        continue;
      }
      if (name.startsWith('x-ferry-') || !matches(name)) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  };
}

export function runWithHeaders<T>(headers: Record<string, string>, fn: () => T): T {
  return storage.run(Object.freeze({ ...headers }), fn);
}

/**
 * When the app traces itself (e.g. with OpenTelemetry), the trace context to send is that of the app's
 * active span rather than the incoming one: register a function that returns those headers, e.g.
 * `setTraceHeaders(() => { const c = {}; propagation.inject(context.active(), c); return c; })`.
 */
let traceHeaders: (() => Record<string, string>) | undefined;
export function setTraceHeaders(fn: (() => Record<string, string>) | undefined): void {
  traceHeaders = fn;
}

/** The captured headers of the request being handled (empty outside one), plus the app's trace headers. */
export function currentHeaders(): Readonly<Record<string, string>> {
  const captured = storage.getStore() ?? {};
  if (!traceHeaders) return captured;
  let own: Record<string, string> = {};
  try {
    own = traceHeaders();
  } catch {
    // the app's tracer never fails a call
  }
  return { ...captured, ...own };
}
