/**
 * Tracing on: the OpenTelemetry tracer provider, sampler and exporter. Imported by `createTracing` only when
 * `tracing.enabled` (the SDK and an exporter are ~400 module files), and only the configured exporter.
 *
 * - Sampling: ParentBased(sampleRatio): an incoming sampled/unsampled decision is kept, new traces are
 *   recorded at the configured ratio, decided before a span is made (`sampling-tracer.ts`).
 * - Exporters: zipkin, otlp (OTLP/HTTP JSON), console, none (spans still give ids to logs and upstreams).
 *
 * Nothing here is registered as the global tracer provider or propagator, so several sidecars can live in
 * one process; only an AsyncLocalStorage context manager is installed (once, with `asyncContext`) so the
 * active span follows the request.
 */
import { context, diag } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './semconv.js';
import { LINKED_ROOT } from './linked-context.js';
import { SamplingFirstTracer } from './sampling-tracer.js';
import { buildPropagator, headersGetter, outgoingSetter } from './propagators.js';
import type { Tracing, TracingConfig, TracingOptions } from './tracing.js';
import { commonJs } from '../common-js.js';
import { MAX_QUEUED_SPANS } from '../config/schema.js';

/** Default collector URLs when `tracing.endpoint` is not set. */
export const DEFAULT_ENDPOINTS = {
  zipkin: 'http://127.0.0.1:9411/api/v2/spans',
  otlp: 'http://127.0.0.1:4318/v1/traces',
} as const;

let contextManagerInstalled = false;

/** Makes `context.active()` follow async work (idempotent; keeps an already-installed manager). */
export function ensureContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = true;
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager.enable())) return;
  manager.disable(); // someone installed one first: theirs is used
}

/** The configured exporter; each one's package is imported only when it is the one configured. */
async function exporterFor(config: TracingConfig): Promise<SpanExporter | undefined> {
  switch (config.exporter) {
    case 'zipkin': {
      const { ZipkinExporter } = commonJs(await import('@opentelemetry/exporter-zipkin'));
      return new ZipkinExporter({ url: config.endpoint ?? DEFAULT_ENDPOINTS.zipkin, serviceName: config.serviceName });
    }
    case 'otlp': {
      const { OTLPTraceExporter } = commonJs(await import('@opentelemetry/exporter-trace-otlp-http'));
      return new OTLPTraceExporter({ url: config.endpoint ?? DEFAULT_ENDPOINTS.otlp });
    }
    case 'console':
      return new ConsoleSpanExporter();
    default:
      return undefined;
  }
}

export async function createSdkTracing(config: TracingConfig, options: TracingOptions): Promise<Tracing> {
  const asyncContext = options.asyncContext ?? false;
  if (asyncContext) ensureContextManager();
  const exporter = options.exporter ?? (await exporterFor(config));
  const spanProcessors: SpanProcessor[] = exporter
    ? [
        options.simple
          ? new SimpleSpanProcessor(exporter)
          : new BatchSpanProcessor(exporter, {
            scheduledDelayMillis: 1000,
            maxQueueSize: MAX_QUEUED_SPANS,
            maxExportBatchSize: config.exportBatchSize,
          }),
      ]
    : [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      ...(options.version ? { [ATTR_SERVICE_VERSION]: options.version } : {}),
    }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors,
  });
  const tracer = new SamplingFirstTracer(provider.getTracer('ferry', options.version), config.sampleRatio);
  const propagator = buildPropagator(config.propagators);
  let closed = false;
  return {
    enabled: true,
    asyncContext,
    tracer,
    extract: (carrier, parent = LINKED_ROOT) => propagator.extract(parent, carrier, headersGetter),
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
