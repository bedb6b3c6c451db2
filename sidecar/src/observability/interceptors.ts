/**
 * The observe interceptors, outermost in the chain: metrics, then tracing. Neither ever fails a request:
 * every recording step is guarded, and the call goes on whatever happens to them.
 *
 * Both also need to see each upstream *attempt* (the chain's retry, balance, breaker and timeout steps sit
 * inside them). They get it by handing the inner chain a route whose protocol client is wrapped: the wrapper
 * runs right where the chain calls `route.client.invoke(call, endpoint)`, once per attempt, with the picked
 * endpoint. Wrapped routes are cached per route, so this costs one object per service, not per call.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { Call, Interceptor, Invoke, Reply } from '../pipeline/types.js';
import type { Endpoint } from '../discovery/types.js';
import type { ProtocolClient } from '../protocols/types.js';
import type { ServiceRoute } from '../routing/router.js';
import { toFerryError, type FerryError } from '../errors.js';
import { isTraceHeader } from '../pipeline/propagation.js';
import { CODE_OK, metrics as defaultMetrics, methodAccepted, methodLabel, replyCode, type FerryMetrics } from './metrics.js';
import { ATTR, requestContext, RPC_SYSTEM, type Tracing } from './tracing.js';

/** Where the tracing interceptor leaves the call's parent context for its attempts (`call.extra`). */
const PARENT_KEY = 'ferry.traceParent';

// ---- per-attempt hook ----------------------------------------------------------------------------------

/** Runs around one attempt; `send` performs it. */
export type AttemptObserver = (call: Call, endpoint: Endpoint, send: (call: Call) => Promise<Reply>) => Promise<Reply>;

const wrappedRoutes = new WeakMap<AttemptObserver, WeakMap<ServiceRoute, ServiceRoute>>();

/** The route with its client's `invoke` run through `observer` (cached per observer and route). */
export function observeAttempts(route: ServiceRoute, observer: AttemptObserver): ServiceRoute {
  let cache = wrappedRoutes.get(observer);
  if (!cache) wrappedRoutes.set(observer, (cache = new WeakMap()));
  let wrapped = cache.get(route);
  if (!wrapped) {
    const inner = route.client;
    const client: ProtocolClient = {
      invoke: (call, endpoint) => observer(call, endpoint, (c) => inner.invoke(c, endpoint)),
      close: () => inner.close(),
    };
    if (inner.forget) client.forget = (endpoint) => inner.forget!(endpoint);
    if (inner.available) client.available = (endpoint) => inner.available!(endpoint);
    wrapped = { ...route, client };
    cache.set(route, wrapped);
  }
  return wrapped;
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // observability never fails a request
  }
}

// ---- metrics -------------------------------------------------------------------------------------------

/**
 * Counts and times every call (`ferry_requests_total`, `ferry_request_duration_seconds`) and keeps the
 * upstream in-flight gauge and attempt counter.
 */
export function metricsInterceptor(m: FerryMetrics = defaultMetrics): Interceptor {
  const attempt: AttemptObserver = async (call, _endpoint, send) => {
    let done: ((code: string) => void) | undefined;
    guard(() => (done = m.startAttempt(call.route.protocol.name, call.service)));
    let code = CODE_OK;
    try {
      const reply = await send(call);
      code = replyCode(reply);
      return reply;
    } catch (err) {
      code = toFerryError(err).code;
      throw err;
    } finally {
      if (done) guard(() => done!(code));
    }
  };
  return (next: Invoke) =>
    async function measure(call) {
      const start = performance.now();
      let code = CODE_OK;
      let observed = call;
      try {
        observed = { ...call, route: observeAttempts(call.route, attempt) };
      } catch {
        // keep the plain call
      }
      try {
        const reply = await next(observed);
        code = replyCode(reply);
        return reply;
      } catch (err) {
        code = toFerryError(err).code;
        throw err;
      } finally {
        guard(() => {
          const protocol = call.route.protocol.name;
          m.recordCall(protocol, call.service, methodLabel(call, methodAccepted(protocol, code)), code, (performance.now() - start) / 1000);
        });
      }
    };
}

/** The `onRetry` runtime hook: `ferry_retries_total`. */
export function retryMetricsHook(m: FerryMetrics = defaultMetrics): (call: Call, error: FerryError) => void {
  return (call, error) => guard(() => m.retries.inc({ protocol: call.route.protocol.name, service: call.service, code: error.code }));
}

// ---- tracing -------------------------------------------------------------------------------------------

function rpcService(call: Call): string {
  const c = call.route.config;
  return c.interface ?? c.service ?? call.service;
}

function clientSpanName(call: Call): string {
  if (call.route.protocol.name === 'http') return call.http ? call.http.method : `POST ${call.method}`;
  return `${rpcService(call)}/${call.method}`;
}

/** Attributes of a recorded client span (not computed for the unsampled majority). */
function clientSpanAttributes(call: Call, endpoint: Endpoint): Attributes {
  const protocol = call.route.protocol.name;
  const system = RPC_SYSTEM[protocol] ?? call.route.protocol.rpcSystem;
  const attributes: Attributes = {
    [ATTR_SERVER_ADDRESS]: endpoint.host,
    [ATTR_SERVER_PORT]: endpoint.port,
    [ATTR.ferryService]: call.service,
    [ATTR.ferryAttempt]: call.attempt,
    [ATTR.ferryEndpoint]: endpoint.id,
  };
  if (protocol === 'http') {
    const method = call.http?.method ?? 'POST';
    attributes[ATTR_HTTP_REQUEST_METHOD] = method;
    guard(() => {
      const base = new URL(endpoint.address);
      const path = call.http ? call.http.path.split('?')[0] : `/${encodeURIComponent(call.method)}`;
      attributes[ATTR_URL_FULL] = `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
    });
    return attributes;
  }
  attributes[ATTR.rpcSystem] = system;
  attributes[ATTR.rpcService] = rpcService(call);
  attributes[ATTR.rpcMethod] = call.method;
  if (protocol === 'jsonrpc') attributes[ATTR.rpcJsonrpcVersion] = '2.0';
  return attributes;
}

function endClientSpan(span: Span, call: Call, reply: Reply | undefined, err: unknown): void {
  if (!span.isRecording()) return span.end();
  const protocol = call.route.protocol.name;
  if (reply) {
    const status = reply.http?.statusCode;
    if (status !== undefined) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    if (protocol === 'grpc') span.setAttribute(ATTR.rpcGrpcStatusCode, 0);
  } else {
    const error = toFerryError(err);
    span.setAttribute(ATTR_ERROR_TYPE, error.code);
    span.setAttribute(ATTR.ferryErrorCode, error.code);
    const upstreamStatus = error.upstream?.status;
    if (upstreamStatus !== undefined) {
      if (protocol === 'grpc' && typeof upstreamStatus === 'number') span.setAttribute(ATTR.rpcGrpcStatusCode, upstreamStatus);
      else if (protocol === 'jsonrpc' && typeof upstreamStatus === 'number') span.setAttribute(ATTR.rpcJsonrpcErrorCode, upstreamStatus);
      else if (protocol === 'http' && typeof upstreamStatus === 'number') span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, upstreamStatus);
      else span.setAttribute('ferry.upstream.status', String(upstreamStatus));
    }
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}

/** Pass-through headers without the app's trace headers (the tracer writes fresh ones). */
function withoutTraceHeaders(call: Call): Call {
  if (!call.http || !Object.keys(call.http.headers).some(isTraceHeader)) return call;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(call.http.headers)) if (!isTraceHeader(k)) headers[k] = v;
  return { ...call, http: { ...call.http, headers } };
}

/**
 * A CLIENT span per upstream attempt, child of the request's SERVER span (or of the trace context the call
 * carries when no span is active), and that span's context written into `call.outgoing` with the configured
 * propagators, so every protocol's carrier sends it.
 */
export function tracingInterceptor(tracing: Tracing): Interceptor {
  const attempt: AttemptObserver = (call, endpoint, send) => {
    let span: Span | undefined;
    let ctx: Context | undefined;
    let traced = call;
    try {
      const parent = (call.extra?.[PARENT_KEY] as Context | undefined) ?? context.active();
      span = tracing.tracer.startSpan(clientSpanName(call), { kind: SpanKind.CLIENT }, parent);
      if (span.isRecording()) span.setAttributes(clientSpanAttributes(call, endpoint));
      ctx = trace.setSpan(parent, span);
      const outgoing: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.outgoing)) if (!isTraceHeader(k)) outgoing[k] = v;
      tracing.inject(ctx, outgoing);
      traced = withoutTraceHeaders({ ...call, outgoing });
    } catch {
      span = undefined;
    }
    if (!span || !ctx) return send(call);
    const s = span;
    const sent = tracing.asyncContext ? context.with(ctx, () => send(traced)) : send(traced);
    return sent.then(
      (reply) => {
        guard(() => endClientSpan(s, call, reply, undefined));
        return reply;
      },
      (err: unknown) => {
        guard(() => endClientSpan(s, call, undefined, err));
        throw err;
      },
    );
  };
  return (next: Invoke) =>
    function traceCall(call) {
      let parent: Context;
      let observed: Call;
      try {
        // The request's SERVER span (bound by the server hooks), else the active span, else the call's headers.
        const active = context.active();
        parent = requestContext(call.incomingHeaders) ?? (trace.getSpan(active) ? active : tracing.extract(call.incomingHeaders, active));
        observed = { ...call, route: observeAttempts(call.route, attempt), extra: { ...call.extra, [PARENT_KEY]: parent } };
      } catch {
        return next(call);
      }
      return tracing.asyncContext ? context.with(parent, () => next(observed)) : next(observed);
    };
}
