/**
 * Tracing, as the rest of Ferry sees it: the `Tracing` handle, attribute names, span ids for logs.
 * `createTracing` imports the OpenTelemetry SDK and the configured exporter (`tracing-sdk.ts`) only when
 * `tracing.enabled`; off, no SDK module is loaded.
 *
 * - Propagators: W3C `traceparent`/`tracestate` and B3 (single `b3` and multi `x-b3-*`) are all read; the
 *   configured ones are written (`propagators.ts`, with the carriers' getter and setter).
 * - Off: no spans, no ids, nothing injected; with `extract` (an inbound server is configured) the callers'
 *   context is still read, for the call and the console.
 *
 * A failure in tracing never fails a request.
 */
import { context, ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { FerryConfig } from '../config/schema.js';

export type TracingConfig = FerryConfig['tracing'];
export type Headers = Record<string, string | string[] | undefined>;

/** Semantic-convention attribute names still in the incubating set (copied, as OTel recommends). */
export const ATTR = {
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcGrpcStatusCode: 'rpc.grpc.status_code',
  rpcJsonrpcVersion: 'rpc.jsonrpc.version',
  rpcJsonrpcErrorCode: 'rpc.jsonrpc.error_code',
  ferryService: 'ferry.service',
  ferryMethod: 'ferry.method',
  ferryErrorCode: 'ferry.error.code',
  ferryAttempt: 'ferry.attempt',
  ferryEndpoint: 'ferry.endpoint',
  ferryRequestId: 'ferry.request_id',
} as const;

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Whether the request's span is also made the active context (AsyncLocalStorage) while it is handled, so
   * `context.active()` and the log mixin see it anywhere. Off by default: Ferry passes the context
   * explicitly (request → call → attempt), which spares every promise of the process the async-hooks cost.
   */
  readonly asyncContext: boolean;
  readonly tracer: Tracer;
  /** The trace context carried by a header-like map (HTTP headers, attachments, metadata). */
  extract(carrier: Headers, parent?: Context): Context;
  /** Writes the context's trace headers (configured formats) into an outgoing map. */
  inject(ctx: Context, carrier: Record<string, string>): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** See `Tracing.asyncContext`. */
  asyncContext?: boolean;
  /** Replaces the configured exporter (tests: an in-memory exporter). */
  exporter?: SpanExporter;
  /** Export each span at once instead of in batches (tests). */
  simple?: boolean;
  version?: string;
  /** Tracing off: still read callers' trace context (`extract`), for inbound servers (default: nothing is read). */
  extract?: boolean;
}

/** The no-op stand-in when tracing is off: no spans, no ids, nothing injected. */
async function disabledTracing(config: TracingConfig, options: TracingOptions): Promise<Tracing> {
  const formats = options.extract ? await import('./propagators.js') : undefined;
  const propagator = formats?.buildPropagator(config.propagators);
  return {
    enabled: false,
    asyncContext: false,
    tracer: trace.getTracer('ferry-disabled'),
    extract:
      formats && propagator
        ? (carrier, parent = ROOT_CONTEXT) => propagator.extract(parent, carrier, formats.headersGetter)
        : (_carrier, parent = ROOT_CONTEXT) => parent,
    inject: () => {},
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/** Tracing as configured; the SDK and the exporter are imported here, only when tracing is on. */
export async function createTracing(config: TracingConfig, options: TracingOptions = {}): Promise<Tracing> {
  if (!config.enabled) return disabledTracing(config, options);
  return (await import('./tracing-sdk.js')).createSdkTracing(config, options);
}

/** The ids of a span, for log lines (`undefined` when there is no valid span). */
export function spanIds(span: Span | undefined): { trace_id: string; span_id: string; trace_flags: string } | undefined {
  if (!span) return undefined;
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags.toString(16).padStart(2, '0') };
}

/** Ids of the span active in the current async context. */
export function activeSpanIds(): ReturnType<typeof spanIds> {
  return spanIds(trace.getSpan(context.active()));
}
