/**
 * The inbound side (Ferry as a Dubbo provider, calling the app over HTTP): received attachments (or gRPC
 * metadata) become the app's request headers through the same allow-list as outbound, and the trace context
 * they carry becomes the parent of a SERVER span whose context is sent to the app.
 *
 *   const inbound = beginInbound({ config, tracing, attachments, service: iface, method, system: 'apache_dubbo' });
 *   try { await callApp({ headers: inbound.headers }); inbound.end(); } catch (err) { inbound.end(err); throw err; }
 *
 * `inbound.context` is the span's context: run the app call inside `context.with(inbound.context, ...)` to
 * keep log lines correlated. Nothing here throws.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_CLIENT_ADDRESS, ATTR_CLIENT_PORT } from '@opentelemetry/semantic-conventions';
import type { FerryConfig } from '../config/schema.js';
import { headerMatcher, type HeaderMatcher } from '@ferry/sdk/contract';
import { selectHeaders } from '../pipeline/propagation.js';
import type { Carrier } from '../protocols/types.js';
import { readCarrier } from '../protocols/carrier-util.js';
import { dubboAttachmentCarrier, isDubboReserved, type DubboAttachments } from '../protocols/dubbo/carrier.js';
import { toFerryError } from '../errors.js';
import { ATTR, type Tracing } from './tracing.js';
import type { FerryMetrics } from './metrics.js';

/** The inbound allow-list: the global `propagation.headers` (services' overrides are outbound only). */
export function inboundMatcher(config: FerryConfig): HeaderMatcher {
  return headerMatcher(config.propagation.headers);
}

/**
 * Allow-listed attachments as the app's request headers (lower-case names, string values). Dubbo's reserved
 * keys never become headers. Trace headers pass through only when tracing is off (otherwise the inbound span
 * writes its own).
 */
export function attachmentsToHeaders<C = DubboAttachments>(
  config: FerryConfig,
  received: C,
  carrier: Carrier<C> = dubboAttachmentCarrier as unknown as Carrier<C>,
  allowed: HeaderMatcher = inboundMatcher(config),
): Record<string, string> {
  const all = readCarrier(carrier, received);
  for (const key of Object.keys(all)) if (isDubboReserved(key)) delete all[key];
  return selectHeaders(all, allowed, { traceHeaders: config.tracing.enabled ? 'tracer' : 'passthrough' });
}

/** The trace context carried by received attachments/metadata (W3C or B3, any case). */
export function extractInboundContext<C = DubboAttachments>(
  tracing: Tracing,
  received: C,
  carrier: Carrier<C> = dubboAttachmentCarrier as unknown as Carrier<C>,
): Context {
  try {
    return tracing.extract(readCarrier(carrier, received), ROOT_CONTEXT);
  } catch {
    return ROOT_CONTEXT;
  }
}

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

export interface InboundOptions<C> {
  config: FerryConfig;
  tracing: Tracing;
  /** What the caller sent: Dubbo attachments by default. */
  attachments: C;
  carrier?: Carrier<C>;
  /** The interface / service name and method called. */
  service: string;
  method: string;
  /** `rpc.system`: `apache_dubbo`, `grpc`… */
  system: string;
  peer?: { address?: string; port?: number };
  /** Counts and times the call when it ends (`ferry_inbound_requests_total`). */
  metrics?: Pick<FerryMetrics, 'recordInbound'>;
  /** The protocol label for metrics (`dubbo`). */
  protocol?: string;
  /** Told about each call when it ends, with the calling application (the console). */
  observer?: InboundObserver;
}

export interface Inbound {
  /** Headers for the HTTP request to the app: allow-listed attachments plus the span's trace context. */
  headers: Record<string, string>;
  /** The SERVER span's context (or the extracted one when tracing is off). */
  context: Context;
  span?: Span;
  /** Ends the span and records the call; pass the failure (ideally a FerryError) when the call failed. */
  end(error?: unknown): void;
}

/** Adds the metrics record (and the observer's) to an inbound's `end`, once. */
function recorded(inbound: Inbound, options: InboundOptions<unknown>): Inbound {
  const { metrics, observer } = options;
  if (!metrics && !observer) return inbound;
  const start = performance.now();
  let done = false;
  const endSpan = inbound.end;
  return {
    ...inbound,
    end(error?: unknown) {
      if (done) return;
      done = true;
      const seconds = (performance.now() - start) / 1000;
      const protocol = options.protocol ?? options.system;
      metrics?.recordInbound(protocol, options.service, options.method, error === undefined ? 'OK' : toFerryError(error).code, seconds);
      if (observer) observer({ caller: callerOf(options), service: options.service, protocol, method: options.method, ms: seconds * 1000, error, traceId: trace.getSpanContext(inbound.context)?.traceId });
      endSpan(error);
    },
  };
}

/** The calling application as Dubbo consumers name it (`remote.application`), else its address. */
function callerOf(options: InboundOptions<unknown>): string {
  const carrier = options.carrier ?? (dubboAttachmentCarrier as unknown as Carrier<unknown>);
  try {
    return carrier.get(options.attachments, 'remote.application') || options.peer?.address || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function beginInbound<C = DubboAttachments>(options: InboundOptions<C>): Inbound {
  return recorded(startInbound(options), options as InboundOptions<unknown>);
}

function startInbound<C>(options: InboundOptions<C>): Inbound {
  const carrier = options.carrier ?? (dubboAttachmentCarrier as unknown as Carrier<C>);
  let headers: Record<string, string> = {};
  try {
    headers = attachmentsToHeaders(options.config, options.attachments, carrier);
  } catch {
    // no headers rather than a failed call
  }
  const parent = extractInboundContext(options.tracing, options.attachments, carrier);
  if (!options.tracing.enabled) return { headers, context: parent, end: () => {} };
  let span: Span;
  let ctx: Context;
  try {
    span = options.tracing.tracer.startSpan(
      `${options.service}/${options.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR.rpcSystem]: options.system,
          [ATTR.rpcService]: options.service,
          [ATTR.rpcMethod]: options.method,
          ...(options.peer?.address ? { [ATTR_CLIENT_ADDRESS]: options.peer.address } : {}),
          ...(options.peer?.port ? { [ATTR_CLIENT_PORT]: options.peer.port } : {}),
        },
      },
      parent,
    );
    ctx = trace.setSpan(parent, span);
    options.tracing.inject(ctx, headers);
  } catch {
    return { headers, context: parent, end: () => {} };
  }
  let ended = false;
  return {
    headers,
    context: ctx,
    span,
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      try {
        if (error !== undefined) {
          const e = toFerryError(error);
          span.setAttribute(ATTR_ERROR_TYPE, e.code);
          span.recordException(e);
          span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        }
        span.end();
      } catch {
        // never fail the call
      }
    },
  };
}

/** Runs `fn` with the inbound span active (log lines carry its ids). */
export function withInbound<T>(inbound: Inbound, fn: () => T): T {
  return context.with(inbound.context, fn);
}
