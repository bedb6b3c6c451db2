/**
 * Sampling decided before a span is made (`sampling-tracer.ts`) and the propagators' shortcut for carriers
 * without trace headers (`propagators.ts`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing, type TracingConfig } from '../../../src/observability/tracing.js';

const config = (sampleRatio: number): TracingConfig => ({
  enabled: true,
  sampleRatio,
  exporter: 'none',
  exportBatchSize: 64,
  serviceName: 'ferry',
  propagators: ['tracecontext', 'b3multi'],
});
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentOf = (flags: string) => ({ traceparent: `00-${TRACE}-00f067aa0ba902b7-${flags}` });

test('a new trace at ratio 0 is a non-recording span that still has valid ids and propagates them', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing(config(0), { exporter, simple: true });
  const span = tracing.tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  assert.equal(span.isRecording(), false);
  const sc = span.spanContext();
  assert.ok(trace.isSpanContextValid(sc));
  assert.equal(sc.traceFlags, TraceFlags.NONE);
  const child = tracing.tracer.startSpan('call', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, span));
  assert.equal(child.isRecording(), false);
  assert.equal(child.spanContext().traceId, sc.traceId);
  assert.notEqual(child.spanContext().spanId, sc.spanId);
  const headers: Record<string, string> = {};
  tracing.inject(trace.setSpan(ROOT_CONTEXT, child), headers);
  assert.equal(headers.traceparent, `00-${sc.traceId}-${child.spanContext().spanId}-00`);
  assert.equal(headers['x-b3-sampled'], '0');
  span.end();
  child.end();
  assert.equal(exporter.getFinishedSpans().length, 0);
  await tracing.shutdown();
});

test("a parent's decision is kept whatever the ratio; ratio 1 records new traces", async () => {
  const exporter = new InMemorySpanExporter();
  const never = await createTracing(config(0), { exporter, simple: true });
  const sampled = never.tracer.startSpan('GET', {}, never.extract(parentOf('01')));
  assert.equal(sampled.isRecording(), true);
  assert.equal(sampled.spanContext().traceId, TRACE);
  sampled.end();
  assert.equal(exporter.getFinishedSpans()[0]?.parentSpanContext?.spanId, '00f067aa0ba902b7');
  const always = await createTracing(config(1), { exporter, simple: true });
  const unsampled = always.tracer.startSpan('GET', {}, always.extract(parentOf('00')));
  assert.equal(unsampled.isRecording(), false);
  assert.equal(unsampled.spanContext().traceId, TRACE);
  assert.equal(always.tracer.startSpan('GET', {}, ROOT_CONTEXT).isRecording(), true);
  const active = always.tracer.startActiveSpan('job', (span) => span.isRecording());
  assert.equal(active, true);
  await never.shutdown();
  await always.shutdown();
});

test('trace headers are found in any case; a carrier without them leaves the context as it was', async () => {
  const tracing = await createTracing(config(1), {});
  const ctx = tracing.extract({ TraceParent: parentOf('01').traceparent, 'X-Request-Id': 'r1' });
  assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE);
  const b3 = tracing.extract({ 'X-B3-TraceId': TRACE, 'X-B3-SpanId': '00f067aa0ba902b7', 'X-B3-Sampled': '1' });
  assert.equal(trace.getSpanContext(b3)?.traceId, TRACE);
  const parent = ROOT_CONTEXT.setValue(Symbol('k'), 1);
  assert.equal(tracing.extract({ host: 'x', 'x-request-id': 'r1', 'user-agent': 'u' }, parent), parent);
  await tracing.shutdown();
});
