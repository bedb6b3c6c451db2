/**
 * Tracing setup, in one file: the OpenTelemetry tracer provider, sampler, exporter and propagators.
 *
 * - Sampling: ParentBased(TraceIdRatio(sampleRatio)): an incoming sampled/unsampled decision is kept, new
 *   traces are recorded at the configured ratio.
 * - Propagators: W3C `traceparent`/`tracestate` and B3 (single `b3` and multi `x-b3-*`) are all read; the
 *   configured ones are written.
 * - Exporters: zipkin, otlp (OTLP/HTTP JSON), console, none (spans still give ids to logs and upstreams).
 *
 * Nothing here is registered as the global tracer provider or propagator, so several sidecars can live in
 * one process; only an AsyncLocalStorage context manager is installed (once) so the active span follows the
 * request. A failure in tracing never fails a request.
 */
import {
  context,
  diag,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { FerryConfig } from '../config/schema.js';
import { TRACE_CONTEXT_HEADERS } from '@ferry/sdk/contract';

export type TracingConfig = FerryConfig['tracing'];
export type Headers = Record<string, string | string[] | undefined>;

/** Default collector URLs when `tracing.endpoint` is not set. */
export const DEFAULT_ENDPOINTS = {
  zipkin: 'http://127.0.0.1:9411/api/v2/spans',
  otlp: 'http://127.0.0.1:4318/v1/traces',
} as const;


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
      return extractors.reduce((acc, p) => p.extract(acc, carrier, getter), ctx);
    },
    fields: () => [...TRACE_CONTEXT_HEADERS],
  };
}

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Whether the request's span is also made the active context (AsyncLocalStorage) while it is handled, so
   * `context.active()` and the log mixin see it anywhere. Off by default: Ferry passes the context
   * explicitly (request → call → attempt), which spares every promise of the process the async-hooks cost.
   */
  readonly asyncContext: boolean;
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
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
}

let contextManagerInstalled = false;

/** Makes `context.active()` follow async work (idempotent; keeps an already-installed manager). */
export function ensureContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = true;
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager.enable())) return;
  manager.disable(); // someone installed one first: theirs is used
}

function exporterFor(config: TracingConfig): SpanExporter | undefined {
  switch (config.exporter) {
    case 'zipkin':
      return new ZipkinExporter({ url: config.endpoint ?? DEFAULT_ENDPOINTS.zipkin, serviceName: config.serviceName });
    case 'otlp':
      return new OTLPTraceExporter({ url: config.endpoint ?? DEFAULT_ENDPOINTS.otlp });
    case 'console':
      return new ConsoleSpanExporter();
    default:
      return undefined;
  }
}

/** The no-op stand-in when tracing is off: no spans, no ids, nothing injected. */
function disabledTracing(config: TracingConfig): Tracing {
  const propagator = buildPropagator(config.propagators);
  return {
    enabled: false,
    asyncContext: false,
    tracer: trace.getTracer('ferry-disabled'),
    propagator,
    extract: (carrier, parent = ROOT_CONTEXT) => propagator.extract(parent, carrier, headersGetter),
    inject: () => {},
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

export function createTracing(config: TracingConfig, options: TracingOptions = {}): Tracing {
  if (!config.enabled) return disabledTracing(config);
  const asyncContext = options.asyncContext ?? false;
  if (asyncContext) ensureContextManager();
  const exporter = options.exporter ?? exporterFor(config);
  const spanProcessors: SpanProcessor[] = exporter
    ? [
        options.simple
          ? new SimpleSpanProcessor(exporter)
          : new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000, maxQueueSize: 4096 }),
      ]
    : [];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      ...(options.version ? { [ATTR_SERVICE_VERSION]: options.version } : {}),
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors,
  });
  const tracer = provider.getTracer('ferry', options.version);
  const propagator = buildPropagator(config.propagators);
  let closed = false;
  return {
    enabled: true,
    asyncContext,
    tracer,
    propagator,
    extract: (carrier, parent = ROOT_CONTEXT) => propagator.extract(parent, carrier, headersGetter),
    inject: (ctx, carrier) => propagator.inject(ctx, carrier, outgoingSetter),
    async forceFlush() {
      try {
        await provider.forceFlush();
      } catch (err) {
        diag.warn('ferry: span flush failed', err);
      }
    },
    async shutdown() {
      if (closed) return;
      closed = true;
      try {
        await provider.shutdown();
      } catch (err) {
        diag.warn('ferry: tracer shutdown failed', err);
      }
    },
  };
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
