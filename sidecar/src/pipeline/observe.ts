/**
 * The observe interceptors. Each comes in two parts: one outermost in the chain (sees each call once, as
 * the app does) and one innermost, right before the protocol client (sees each attempt, endpoint picked).
 * Neither ever fails a request: every recording step is guarded, and the call goes on whatever happens.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../observability/semconv.js';
import type { Call, Interceptor, Invoke, Reply, ResilienceEvent, RouteInfo } from './types.js';
import type { Endpoint } from '../discovery/types.js';
import { toFerryError, type FerryError } from '../errors.js';
import type { Watcher } from './watch.js';
import { copyHeaders, isTraceHeader } from './propagation.js';
import { CODE_OK, MAX_METHODS_PER_SERVICE, METHOD_OTHER, metrics as defaultMetrics, type FerryMetrics } from '../observability/metrics.js';
import { ATTR, type Tracing } from '../observability/tracing.js';

/** An observe stage: built for each route when it composes its chain. */
export type RouteInterceptor = (route: RouteInfo) => Interceptor;

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // observability never fails a request
  }
}

// ---- metrics -------------------------------------------------------------------------------------------

/** The outcome code of a call: OK, HTTP_<status> or the Ferry error code. */
function outcomeCode(reply: Reply | undefined, err: unknown): string {
  return reply ? replyCode(reply) : toFerryError(err).code;
}

/** Per attempt: the upstream in-flight gauge and the attempt counter (`ferry_upstream_attempts_total`). */
export function metricsAttemptWatcher(m: FerryMetrics = defaultMetrics): Watcher {
  return (route) => ({
    start: () => m.startAttempt(route.protocol, route.service),
    end: (_call, ended, _start, _now, reply, err) => (ended as (code: string) => void)(outcomeCode(reply, err)),
  });
}

/** Counts and times every call as the app sees it, all attempts together (`ferry_requests_total`, `ferry_request_duration_seconds`). */
export function metricsWatcher(m: FerryMetrics = defaultMetrics): Watcher {
  return (route) => {
    const label = methodLabeller(route);
    return {
      end(call, _state, start, now, reply, err) {
        const code = outcomeCode(reply, err);
        m.recordCall(route.protocol, route.service, label(call, methodAccepted(route, code)), code, (now - start) / 1000);
      },
    };
  };
}

/** The retry counter of one route: `ferry_retries_total`. */
export function retryCounter(m: FerryMetrics = defaultMetrics): (route: RouteInfo) => (error: FerryError) => void {
  return (route) => (error) => guard(() => m.retries.inc({ protocol: route.protocol, service: route.service, code: error.code }));
}

/** The resilience counters of one route: ejections, shed calls, retries the budget refused. */
export function resilienceCounter(m: FerryMetrics = defaultMetrics): (route: RouteInfo) => (event: ResilienceEvent) => void {
  return (route) => (event) =>
    guard(() => {
      const labels = { protocol: route.protocol, service: route.service };
      if (event.kind === 'ejection') m.outlierEjections.inc(labels);
      else if (event.kind === 'shed') m.shed.inc({ ...labels, reason: event.reason });
      else m.retryBudgetExhausted.inc(labels);
    });
}

// ---- tracing -------------------------------------------------------------------------------------------

const CLIENT_SPAN = { kind: SpanKind.CLIENT } as const;

/** Attributes of a recorded client span (not computed for the unsampled majority). */
function clientSpanAttributes(route: RouteInfo, call: Call, endpoint: Endpoint): Attributes {
  return {
    [ATTR_SERVER_ADDRESS]: endpoint.host,
    [ATTR_SERVER_PORT]: endpoint.port,
    [ATTR.ferryService]: call.service,
    [ATTR.ferryAttempt]: call.attempt,
    [ATTR.ferryEndpoint]: endpoint.id,
    ...route.telemetry.spanAttributes(call, endpoint),
  };
}

function endClientSpan(span: Span, route: RouteInfo, reply: Reply | undefined, err: unknown): void {
  if (!span.isRecording()) return span.end();
  if (reply) {
    if (reply.kind === 'http') {
      const status = reply.statusCode;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    const outcome = route.telemetry.outcomeAttributes(reply, undefined);
    if (outcome) span.setAttributes(outcome);
  } else {
    const error = toFerryError(err);
    span.setAttribute(ATTR_ERROR_TYPE, error.code);
    span.setAttribute(ATTR.ferryErrorCode, error.code);
    const upstreamStatus = error.upstream?.status;
    if (upstreamStatus !== undefined)
      span.setAttributes(
        route.telemetry.outcomeAttributes(undefined, upstreamStatus) ?? { 'ferry.upstream.status': String(upstreamStatus) },
      );
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}

function hasTraceHeader(headers: Record<string, unknown>): boolean {
  for (const k in headers) if (isTraceHeader(k)) return true;
  return false;
}

/** Pass-through headers without the app's trace headers (the tracer writes fresh ones). */
function withoutTraceHeaders(call: Call): Call {
  if (!call.http || !hasTraceHeader(call.http.headers)) return call;
  return { ...call, http: { ...call.http, headers: copyHeaders(call.http.headers, isTraceHeader) } };
}

/**
 * A CLIENT span per upstream attempt, child of the call's trace context (the request's SERVER span, or the
 * context the call carries when none), and that span's context written into `call.outgoing` with the
 * configured propagators, so every protocol's carrier sends it.
 */
export function tracingAttemptInterceptor(tracing: Tracing): RouteInterceptor {
  return (route) => (send: Invoke) =>
    function traceAttempt(call) {
      const endpoint = call.endpoint!;
      let span: Span | undefined;
      let ctx: Context | undefined;
      let traced = call;
      try {
        const parent = call.trace ?? context.active();
        span = tracing.tracer.startSpan(route.telemetry.spanName(call), CLIENT_SPAN, parent);
        if (span.isRecording()) span.setAttributes(clientSpanAttributes(route, call, endpoint));
        ctx = trace.setSpan(parent, span);
        const outgoing = copyHeaders(call.outgoing, isTraceHeader);
        tracing.inject(ctx, outgoing);
        traced = withoutTraceHeaders({ ...call, outgoing });
      } catch {
        span = undefined;
      }
      if (!span || !ctx) return send(call);
      const s = span;
      const sent = tracing.asyncContext ? context.with(ctx, () => send(traced)) : send(traced);
      if (!s.isRecording()) return sent; // an unsampled span records nothing at its end
      return sent.then(
        (reply) => {
          guard(() => endClientSpan(s, route, reply, undefined));
          return reply;
        },
        (err: unknown) => {
          guard(() => endClientSpan(s, route, undefined, err));
          throw err;
        },
      );
    };
}

/** Resolves the call's parent context once per call, for the attempt spans to hang from. */
export function tracingInterceptor(tracing: Tracing): RouteInterceptor {
  return () => (next: Invoke) =>
    function traceCall(call) {
      let parent: Context;
      try {
        // The request's SERVER span (set by the server), else the active span, else the call's headers.
        const active = context.active();
        parent = call.trace ?? (trace.getSpan(active) ? active : tracing.extract(call.incomingHeaders, active));
      } catch {
        return next(call);
      }
      const observed: Call = parent === call.trace ? call : { ...call, trace: parent };
      return tracing.asyncContext ? context.with(parent, () => next(observed)) : next(observed);
    };
}

// ---- label helpers -------------------------------------------------------------------------------------

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * The method label of a call, bounded:
 * - pass-through (`/v1/proxy`): the HTTP method (`GET`, `POST`…, else `_OTHER`);
 * - a method declared in the service's config: its name;
 * - an RPC method the upstream accepted (answered, or failed with an upstream exception) for dubbo, jsonrpc
 *   and grpc: its name, up to `MAX_METHODS_PER_SERVICE` distinct names per service;
 * - anything else (an HTTP invoke of an undeclared method, an unknown method): `_other`.
 */
export function methodLabeller(route: RouteInfo): (call: Call, accepted: boolean) => string {
  const seen = new Set<string>();
  const methods = route.config.methods;
  return (call, accepted) => {
    if (call.http) return HTTP_METHODS.has(call.http.method) ? call.http.method : '_OTHER';
    if (methods && Object.prototype.hasOwnProperty.call(methods, call.method)) return call.method;
    if (!accepted || route.telemetry.declaredMethodsOnly) return METHOD_OTHER;
    if (seen.has(call.method)) return call.method;
    if (seen.size >= MAX_METHODS_PER_SERVICE || call.method.length > 128) return METHOD_OTHER;
    seen.add(call.method);
    return call.method;
  };
}

/** `OK`, or `HTTP_<status>` for a pass-through answer of 400 and above. */
export function replyCode(reply: Reply): string {
  return reply.kind === 'http' && reply.statusCode >= 400 ? `HTTP_${reply.statusCode}` : CODE_OK;
}

/** Outcomes that say the method does not exist, whatever the protocol. */
const NOT_FOUND = new Set(['FERRY_ERR_METHOD_NOT_FOUND', 'FERRY_ERR_GRPC_UNIMPLEMENTED', 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND']);

/** Whether the outcome shows the method is a real one (its name may then be a label value). */
export function methodAccepted(route: Pick<RouteInfo, 'telemetry'>, code: string): boolean {
  return !NOT_FOUND.has(code) && route.telemetry.methodAccepted(code);
}

/** The usual RPC rule: the upstream answered the method, or raised an application error from it. */
export function answeredByUpstream(code: string): boolean {
  return (
    code === CODE_OK ||
    code.startsWith('HTTP_') ||
    code === 'FERRY_ERR_UPSTREAM_EXCEPTION' ||
    code === 'FERRY_ERR_JSONRPC_APPLICATION_ERROR'
  );
}

// ---- inbound -------------------------------------------------------------------------------------------

/** What an inbound chain is for: fixed when the inbound server composes it. */
export interface InboundInfo {
  /** The protocol label (`dubbo`). */
  readonly protocol: string;
  /** `rpc.system` (`apache_dubbo`). */
  readonly system: string;
}

/** An inbound observe stage: built when the inbound server composes its chain. */
export type InboundInterceptor = (info: InboundInfo) => Interceptor;

/** What an inbound server reports when a call it received from another application ends. */
export interface InboundCallInfo {
  /** The calling application (Dubbo's `remote.application`), else its address. */
  caller: string;
  service: string;
  protocol: string;
  method: string;
  ms: number;
  error?: unknown;
  traceId?: string;
}

export type InboundObserver = (info: InboundCallInfo) => void;

/** Runs `invoke` and hands the outcome (undefined on success) to `done`, whatever happens. */
async function withFailure(invoke: () => Promise<Reply>, done: (error: unknown) => void): Promise<Reply> {
  let error: unknown;
  try {
    return await invoke();
  } catch (err) {
    error = err ?? new Error('failed');
    throw err;
  } finally {
    guard(() => done(error));
  }
}

/** Counts and times inbound calls (`ferry_inbound_requests_total`, `ferry_inbound_request_duration_seconds`). */
export function inboundMetricsInterceptor(m: Pick<FerryMetrics, 'recordInbound'> = defaultMetrics): InboundInterceptor {
  return (info) => (next) =>
    function measureInbound(call) {
      const start = performance.now();
      return withFailure(
        () => next(call),
        (error) =>
          m.recordInbound(
            info.protocol,
            call.service,
            call.method,
            error === undefined ? CODE_OK : toFerryError(error).code,
            (performance.now() - start) / 1000,
          ),
      );
    };
}

/** Tells an observer (the console) about each inbound call when it ends, with its caller and trace id. */
export function inboundObserverInterceptor(observer: InboundObserver): InboundInterceptor {
  return (info) => (next) =>
    function observeInbound(call) {
      const start = performance.now();
      return withFailure(
        () => next(call),
        (error) => {
          const remote = call.incomingHeaders['remote.application'];
          const caller = (typeof remote === 'string' && remote) || call.peer?.address || 'unknown';
          const traceId = call.trace ? trace.getSpanContext(call.trace)?.traceId : undefined;
          const ms = performance.now() - start;
          observer({
            caller,
            service: call.service,
            protocol: info.protocol,
            method: call.method,
            ms,
            ...(error === undefined ? {} : { error }),
            ...(traceId ? { traceId } : {}),
          });
        },
      );
    };
}

/**
 * The SERVER span of an inbound call, child of the trace context the caller sent (W3C or B3 in its
 * attachments or metadata), and that span's context written into `call.outgoing` for the app. With tracing
 * off, the caller's context is still the call's (`call.trace`) and its headers pass through to the app.
 * The app call runs with the span active, so log lines carry its ids.
 */
export function inboundTracingInterceptor(tracing: Tracing): InboundInterceptor {
  return (info) => (next) =>
    function traceInbound(call) {
      let parent: Context = ROOT_CONTEXT;
      try {
        parent = tracing.extract(call.incomingHeaders);
      } catch {
        // untraced rather than failed
      }
      if (!tracing.enabled) return context.with(parent, () => next({ ...call, trace: parent }));
      let span: Span;
      let traced: Call;
      try {
        span = tracing.tracer.startSpan(
          `${call.service}/${call.method}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR.rpcSystem]: info.system,
              [ATTR.rpcService]: call.service,
              [ATTR.rpcMethod]: call.method,
              ...(call.peer?.address ? { [ATTR_CLIENT_ADDRESS]: call.peer.address } : {}),
              ...(call.peer?.port ? { [ATTR_CLIENT_PORT]: call.peer.port } : {}),
            },
          },
          parent,
        );
        const ctx = trace.setSpan(parent, span);
        const outgoing = copyHeaders(call.outgoing);
        tracing.inject(ctx, outgoing);
        traced = { ...call, trace: ctx, outgoing };
      } catch {
        return next({ ...call, trace: parent });
      }
      const s = span;
      return context.with(traced.trace!, () =>
        withFailure(
          () => next(traced),
          (error) => {
            if (error !== undefined) {
              const e = toFerryError(error);
              s.setAttribute(ATTR_ERROR_TYPE, e.code);
              s.recordException(e);
              s.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
            }
            s.end();
          },
        ),
      );
    };
}
