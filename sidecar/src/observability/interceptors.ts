/**
 * The observe interceptors. Each comes in two parts: one outermost in the chain (sees each call once, as
 * the app does) and one innermost, right before the protocol client (sees each attempt, endpoint picked).
 * Neither ever fails a request: every recording step is guarded, and the call goes on whatever happens.
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
import { toFerryError, type FerryError } from '../errors.js';
import { isTraceHeader } from '../pipeline/propagation.js';
import { CODE_OK, metrics as defaultMetrics, methodAccepted, methodLabel, replyCode, type FerryMetrics } from './metrics.js';
import { ATTR, requestContext, RPC_SYSTEM, type Tracing } from './tracing.js';

/** Where the tracing interceptor leaves the call's parent context for its attempts (`call.extra`). */
const PARENT_KEY = 'ferry.traceParent';

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // observability never fails a request
  }
}

// ---- metrics -------------------------------------------------------------------------------------------

/** Runs `invoke` and hands its outcome code (OK, HTTP_<status> or the Ferry error code) to `done`, whatever happens. */
async function withOutcome(invoke: () => Promise<Reply>, done: (code: string) => void): Promise<Reply> {
  let code = CODE_OK;
  try {
    const reply = await invoke();
    code = replyCode(reply);
    return reply;
  } catch (err) {
    code = toFerryError(err).code;
    throw err;
  } finally {
    guard(() => done(code));
  }
}

/** Per attempt: the upstream in-flight gauge and the attempt counter (`ferry_upstream_attempts_total`). */
export function metricsAttemptInterceptor(m: FerryMetrics = defaultMetrics): Interceptor {
  return (send: Invoke) =>
    function measureAttempt(call) {
      let ended: ((code: string) => void) | undefined;
      guard(() => (ended = m.startAttempt(call.route.protocol.name, call.service)));
      return withOutcome(() => send(call), (code) => ended?.(code));
    };
}

/** Counts and times every call as the app sees it, all attempts together (`ferry_requests_total`, `ferry_request_duration_seconds`). */
export function metricsInterceptor(m: FerryMetrics = defaultMetrics): Interceptor {
  return (next: Invoke) =>
    function measure(call) {
      const start = performance.now();
      return withOutcome(
        () => next(call),
        (code) => {
          const protocol = call.route.protocol.name;
          m.recordCall(protocol, call.service, methodLabel(call, methodAccepted(protocol, code)), code, (performance.now() - start) / 1000);
        },
      );
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
export function tracingAttemptInterceptor(tracing: Tracing): Interceptor {
  return (send: Invoke) =>
    function traceAttempt(call) {
      const endpoint = call.endpoint!;
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
}

/** Finds the request's parent context once per call, for the attempt spans to hang from. */
export function tracingInterceptor(tracing: Tracing): Interceptor {
  return (next: Invoke) =>
    function traceCall(call) {
      let parent: Context;
      let observed: Call;
      try {
        // The request's SERVER span (bound by the server hooks), else the active span, else the call's headers.
        const active = context.active();
        parent = requestContext(call.incomingHeaders) ?? (trace.getSpan(active) ? active : tracing.extract(call.incomingHeaders, active));
        observed = { ...call, extra: { ...call.extra, [PARENT_KEY]: parent } };
      } catch {
        return next(call);
      }
      return tracing.asyncContext ? context.with(parent, () => next(observed)) : next(observed);
    };
}
