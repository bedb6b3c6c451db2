/**
 * A real Zipkin server receives the spans of app → Ferry → upstream, and its API gives them back linked:
 * the app's span is the parent of Ferry's SERVER span, which is the parent of Ferry's CLIENT span (one per
 * attempt), which is the parent of the upstream's SERVER span.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { FerryClient } from '@ferry/sdk';
import { setTraceHeaders } from '@ferry/sdk/context';
import { ferryContext } from '@ferry/sdk/express';
import express from 'express';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { ensureContextManager } from '../../src/observability/tracing-sdk.js';
import { startZipkin, type ZipkinServer, type ZipkinSpan } from '../harness/zipkin.js';
import { eventually, json, readBody, startUpstream, type TestUpstream } from '../support/helpers.js';

let zipkin: ZipkinServer;
let sidecar: Sidecar;
let upstream: TestUpstream;
let appServer: Server;
let appUrl = '';
const providers: BasicTracerProvider[] = [];

/** A service of the test with its own tracer exporting to the same Zipkin (as real services would). */
function tracerFor(serviceName: string): Tracer {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: zipkin.spansUrl, serviceName }))],
  });
  providers.push(provider);
  return provider.getTracer(serviceName);
}

before(async () => {
  zipkin = await startZipkin();
  ensureContextManager(); // the test's app keeps its own span active while it calls Ferry
  const w3c = new W3CTraceContextPropagator();
  const b3 = new B3Propagator();

  // The upstream ("inventory") joins the trace from whatever Ferry sends.
  const inventory = tracerFor('inventory');
  upstream = await startUpstream(async (req, res) => {
    await readBody(req);
    const parent = w3c.extract(b3.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter), req.headers, defaultTextMapGetter);
    const span = inventory.startSpan('reserve', { kind: SpanKind.SERVER }, parent);
    json(res, 200, { reserved: true });
    span.end();
  });

  const config = parseConfig(
    `listen: { port: 0 }
admin: { port: 0 }
tracing: { enabled: true, exporter: zipkin, endpoint: "${zipkin.spansUrl}", sampleRatio: 1, propagators: [tracecontext, b3multi] }
services:
  inventory: { protocol: http, endpoints: ["${upstream.url}"] }
`,
    'test',
  );
  sidecar = await createSidecar({ config, logger: createLogger(process.env.FERRY_TEST_LOG ?? 'silent') });
  const { port } = await sidecar.start();

  // The app ("shop") traces itself and calls Ferry through the SDK: its own span is the parent Ferry sees.
  const shop = tracerFor('shop');
  setTraceHeaders(() => {
    const carrier: Record<string, string> = {};
    w3c.inject(context.active(), carrier, defaultTextMapSetter);
    return carrier;
  });
  const client = new FerryClient({ baseUrl: `http://127.0.0.1:${port}` });
  const app = express();
  app.use(ferryContext());
  app.post('/checkout', async (req, res) => {
    const span = shop.startSpan('POST /checkout', { kind: SpanKind.SERVER }, propagation.extract(ROOT_CONTEXT, req.headers));
    await context.with(trace.setSpan(ROOT_CONTEXT, span), () => client.invoke('inventory', 'reserve', [{ sku: 'A-1' }]));
    span.end();
    res.json({ traceId: span.spanContext().traceId });
  });
  appServer = app.listen(0, '127.0.0.1');
  await new Promise((r) => appServer.once('listening', r));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
});

after(async () => {
  setTraceHeaders(undefined);
  appServer?.close();
  await sidecar?.close();
  await upstream?.close();
  await Promise.all(providers.map((p) => p.shutdown()));
  await zipkin?.stop();
});

test(`Zipkin holds app → Ferry (server, client) → upstream spans with parent/child links`, async () => {
  const res = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'x-tenant-id': 't1' } });
  assert.equal(res.status, 200);
  const { traceId } = (await res.json()) as { traceId: string };
  await sidecar.tracing.forceFlush();
  await Promise.all(providers.map((p) => p.forceFlush()));

  const spans = (await eventually(async () => {
    const got = await zipkin.trace(traceId);
    return got.length >= 4 ? got : undefined;
  }, 20_000, 250))!;
  const find = (service: string, kind: ZipkinSpan['kind']) => {
    const s = spans.find((x) => x.localEndpoint?.serviceName === service && x.kind === kind);
    assert.ok(s, `${service} ${kind} span in ${JSON.stringify(spans, null, 1)}`);
    return s;
  };
  const app = find('shop', 'SERVER');
  const ferryServer = find('ferry', 'SERVER');
  const ferryClient = find('ferry', 'CLIENT');
  const inventory = find('inventory', 'SERVER');
  assert.equal(app.parentId, undefined, 'the app span is the root');
  assert.equal(ferryServer.parentId, app.id);
  assert.equal(ferryClient.parentId, ferryServer.id);
  assert.equal(inventory.parentId, ferryClient.id);
  for (const s of spans) assert.equal(s.traceId, traceId);
  assert.equal(ferryServer.name, 'post /v1/invoke/:service/:method');
  assert.equal(ferryServer.tags?.['http.route'], '/v1/invoke/:service/:method');
  assert.equal(ferryClient.tags?.['server.address'], '127.0.0.1');
  assert.equal(ferryClient.tags?.['server.port'], String(upstream.port));
  assert.equal(ferryClient.tags?.['http.response.status_code'], '200');
  console.log(`# zipkin ${zipkin.version}: trace ${traceId} with ${spans.length} linked spans`);
});
