/**
 * The SERVER span of each local request (app → Ferry), parent of the CLIENT spans of its upstream attempts.
 *
 * Installed on the app's fastify instance before it loads its routes (the hot lane, hot-lane.ts, makes its
 * requests' loggers with the same factory and ends their spans with `endServerSpanOnClose`):
 * - the child-logger factory starts the span (parent: the request's `traceparent` / `b3` / `x-b3-*`) as
 *   fastify creates the request's logger, and puts the span's ids in that logger's bindings, so every line
 *   fastify and the routes log for the request (from "incoming request" to "request completed") carries them;
 *   the logger is the lazy one of `request-logger.ts` (a pino child only once a line is written);
 * - the span's context is kept on the raw request, from where the routes put it on the call (`call.trace`):
 *   no AsyncLocalStorage on the request path unless `asyncContext` is asked for,
 *   in which case `onRequest` and `preHandler` also make it the active context for the hooks and the
 *   handler (body parsing runs outside it, so the context is entered again before the handler);
 * - the response's `close` names a recorded span after the route and ends it with the status (an unsampled
 *   span records nothing, so nothing waits for its end).
 * Any failure here leaves the request untraced, never failed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Bindings } from 'pino';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ATTR_ERROR_TYPE,
} from '../observability/semconv.js';
import { HEADERS } from '@ferry/sdk/contract';
import type { Logger } from '../observability/logger.js';
import { traceBoundSym } from '../observability/logger.js';
import { ATTR, type Tracing } from '../observability/tracing.js';
import { lazyRequestLogger } from './request-logger.js';

const SERVER_SPAN = { kind: SpanKind.SERVER } as const;
const spanSym = Symbol('ferry.serverSpan');
const contextSym = Symbol('ferry.serverContext');

interface TracedRaw extends IncomingMessage {
  [spanSym]?: Span;
  [contextSym]?: Context;
}

function startServerSpan(tracing: Tracing, raw: TracedRaw): Span {
  const parent = tracing.extract(raw.headers);
  const span = tracing.tracer.startSpan(raw.method ?? 'GET', SERVER_SPAN, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: raw.method ?? 'GET',
      [ATTR_URL_PATH]: (raw.url ?? '/').split('?', 1)[0] ?? '/',
      [ATTR_URL_SCHEME]: 'http',
      ...(raw.socket?.remoteAddress ? { [ATTR_CLIENT_ADDRESS]: raw.socket.remoteAddress } : {}),
      ...(typeof raw.headers['user-agent'] === 'string' ? { [ATTR_USER_AGENT_ORIGINAL]: raw.headers['user-agent'] } : {}),
    });
  }
  const ctx = trace.setSpan(parent, span);
  raw[spanSym] = span;
  raw[contextSym] = ctx;
  return span;
}

const FLAGS = ['00', '01'];

/** The span's ids as log bindings (`trace_id`, `span_id`, `trace_flags`); false when the span has none. */
function bindIds(span: Span, bindings: Bindings): boolean {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return false;
  bindings.trace_id = sc.traceId;
  bindings.span_id = sc.spanId;
  bindings.trace_flags = FLAGS[sc.traceFlags] ?? sc.traceFlags.toString(16).padStart(2, '0');
  return true;
}

/** The SERVER span's context of a local request (undefined when tracing is off or failed). */
export function serverSpanContext(raw: IncomingMessage): Context | undefined {
  return (raw as TracedRaw)[contextSym];
}

/** What names a recorded SERVER span and ends it, read when the answer is done. */
export interface ServedFacts {
  method: string;
  /** The route's pattern (`/v1/invoke/:service/:method`), when one matched. */
  route: string | undefined;
  service: string | undefined;
  /** The `:method` segment, on routes that have one. */
  rpcMethod: string | undefined;
  requestId: string;
  /** The answer's `x-ferry-error`, when Ferry made it. */
  errorCode: unknown;
}

function finishServerSpan(span: Span, facts: ServedFacts, res: ServerResponse): void {
  const { route, errorCode } = facts;
  if (route) {
    span.updateName(`${facts.method} ${route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, route);
  }
  if (facts.service) span.setAttribute(ATTR.ferryService, facts.service);
  if (facts.rpcMethod) span.setAttribute(ATTR.ferryMethod, facts.rpcMethod);
  span.setAttribute(ATTR.ferryRequestId, facts.requestId);
  const status = res.statusCode;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (typeof errorCode === 'string') span.setAttribute(ATTR.ferryErrorCode, errorCode);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, typeof errorCode === 'string' ? errorCode : String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  if (!res.writableFinished) span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
  span.end();
}

/**
 * Ends the request's SERVER span (started by the child-logger factory) when its answer closes, named by `facts`;
 * an unsampled span records nothing, so nothing waits for it. The hot lane calls this; fastify's hook below too.
 */
export function endServerSpanOnClose(raw: IncomingMessage, res: ServerResponse, facts: () => ServedFacts): void {
  const span = (raw as TracedRaw)[spanSym];
  if (!span?.isRecording()) return;
  endOnClose(span, res, facts);
}

/** Whether the request's SERVER span records (sampled): only then is there anything to end. */
export function serverSpanRecords(raw: IncomingMessage): boolean {
  return (raw as TracedRaw)[spanSym]?.isRecording() === true;
}

function endOnClose(span: Span, res: ServerResponse, facts: () => ServedFacts): void {
  res.once('close', () => {
    try {
      finishServerSpan(span, facts(), res);
    } catch {
      // never fail the request
    }
  });
}

/** Runs `fn` with the request's SERVER span as the active context when `asyncContext` asks for it. */
export function inServerContext(tracing: Tracing, raw: IncomingMessage, fn: () => void): void {
  const ctx = tracing.asyncContext ? (raw as TracedRaw)[contextSym] : undefined;
  if (ctx) context.with(ctx, fn);
  else fn();
}

function fastifyFacts(request: FastifyRequest, reply: FastifyReply): ServedFacts {
  const route = request.routeOptions.url;
  const params = request.params as Record<string, string> | undefined;
  return {
    method: request.method,
    route,
    service: params?.service,
    rpcMethod: route?.includes(':method') ? params?.method : undefined,
    requestId: String(request.id),
    errorCode: reply.getHeader(HEADERS.error),
  };
}

/** Installs the server span on `app`. Call before `app.ready()`/`listen()` (routes load then). */
export function installServerTracing(app: FastifyInstance, tracing: Tracing): void {
  if (!tracing.enabled) return;
  // Request loggers descend from one marked logger, so the mark is inherited (no per-request shape change)
  // and the log mixin knows their bindings already carry the ids.
  let marked: Logger | undefined;
  let markedFor: Logger | undefined;
  app.setChildLoggerFactory(function childLogger(logger, bindings, opts, rawReq) {
    let bound: boolean;
    try {
      bound = bindIds(startServerSpan(tracing, rawReq as TracedRaw), bindings);
    } catch {
      bound = false;
    }
    if (!bound) return lazyRequestLogger(logger, bindings, opts);
    if (markedFor !== logger) {
      markedFor = logger as Logger;
      marked = markedFor.child({});
      (marked as unknown as Record<symbol, boolean>)[traceBoundSym] = true;
    }
    return lazyRequestLogger(marked!, bindings, opts);
  });

  const enter = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => inServerContext(tracing, request.raw, done);
  app.addHook('onRequest', (request, reply, done) => {
    endServerSpanOnClose(request.raw, reply.raw, () => fastifyFacts(request, reply));
    enter(request, reply, done);
  });
  if (tracing.asyncContext) app.addHook('preHandler', enter);
}
