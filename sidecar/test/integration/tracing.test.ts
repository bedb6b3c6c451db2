/**
 * Spans of a real sidecar (in-memory exporter): a SERVER span per local request whose parent is the app's
 * trace context, a CLIENT span per upstream attempt with semantic-convention attributes, and trace ids in
 * every log line of the request, with auth header values in none.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually, json, readBody, startUpstream, type TestUpstream } from '../support/helpers.js';

let upstream: TestUpstream;
let dead: TestUpstream;
let sidecar: Sidecar;
let url = '';
const exporter = new InMemorySpanExporter();
const lines: string[] = [];
let upstreamTraceparent: string | undefined;

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    await readBody(req);
    upstreamTraceparent = req.headers.traceparent as string | undefined;
    if (req.url?.includes('boom')) return json(res, 500, { error: 'boom' });
    json(res, 200, { ok: true });
  });
  dead = await startUpstream(() => {});
  const deadUrl = dead.url;
  await dead.close();
  const config = parseConfig(
    `listen: { port: 0 }
admin: { port: 0 }
log: { level: trace, requests: true }
tracing: { enabled: true, sampleRatio: 1 }
services:
  orders: { protocol: http, endpoints: ["${upstream.url}"] }
  flaky: { protocol: http, endpoints: ["${deadUrl}", "${upstream.url}"], retries: 2, loadBalancer: roundrobin }
`,
    'test',
  );
  const logger = createLogger('trace', { write: (s: string) => void lines.push(s) });
  sidecar = await createSidecar({ config, logger, tracing: { exporter, simple: true } });
  url = `http://127.0.0.1:${(await sidecar.start()).port}`;
});

after(async () => {
  await sidecar?.close();
  await upstream?.close();
});

const byKind = (spans: ReadableSpan[], kind: SpanKind) => spans.filter((s) => s.kind === kind);
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

test('server span continues the app trace; client span per attempt is its child and the upstream parent', async () => {
  exporter.reset();
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await fetch(`${url}/v1/invoke/orders/create`, {
    method: 'POST',
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, authorization: 'Bearer SECRET-TOKEN-1' },
    body: '[]',
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const spans = (await eventually<ReadableSpan[] | undefined>(() =>
    exporter.getFinishedSpans().length >= 2 ? exporter.getFinishedSpans() : undefined,
  ))!;
  const [server] = byKind(spans, SpanKind.SERVER);
  const [client] = byKind(spans, SpanKind.CLIENT);
  assert.ok(server && client);
  assert.equal(server.spanContext().traceId, traceId);
  assert.equal(parentId(server), '00f067aa0ba902b7');
  assert.equal(server.name, 'POST /v1/invoke/:service/:method');
  assert.equal(server.attributes['http.response.status_code'], 200);
  assert.equal(server.attributes['ferry.service'], 'orders');
  assert.equal(client.spanContext().traceId, traceId);
  assert.equal(parentId(client), server.spanContext().spanId);
  assert.equal(client.attributes['server.address'], '127.0.0.1');
  assert.equal(client.attributes['server.port'], upstream.port);
  assert.equal(client.attributes['http.request.method'], 'POST');
  assert.equal(client.attributes['http.response.status_code'], 200);
  assert.equal(upstreamTraceparent, `00-${traceId}-${client.spanContext().spanId}-01`);
});

test('a retried call has one client span per attempt, the failed one marked as an error', async () => {
  exporter.reset();
  let statuses = new Set<number>();
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${url}/v1/invoke/flaky/x`, { method: 'POST', body: '[]' });
    statuses.add(res.status);
    await res.arrayBuffer();
  }
  assert.deepEqual([...statuses], [200]);
  const spans = (await eventually(() => {
    const s = exporter.getFinishedSpans();
    return byKind(s, SpanKind.SERVER).length >= 2 ? s : undefined;
  }))!;
  const clients = byKind(spans, SpanKind.CLIENT);
  assert.ok(clients.length >= 3, `expected a failed and a good attempt, got ${clients.length}`);
  const failed = clients.filter((s) => s.status.code === 2);
  assert.ok(failed.length >= 1);
  assert.equal(failed[0]!.attributes['error.type'], 'FERRY_ERR_UPSTREAM_CONNECT');
  const servers = new Set(byKind(spans, SpanKind.SERVER).map((s) => s.spanContext().spanId));
  for (const c of clients) assert.ok(servers.has(parentId(c)!), 'every attempt is a child of its request span');
  statuses = new Set();
});

test('an upstream 500 through pass-through marks the client span as an error; ' +
  'trace ids are on every request log line; no auth value is logged', async () => {
  exporter.reset();
  lines.length = 0;
  const res = await fetch(`${url}/v1/proxy/orders/boom`, {
    headers: { authorization: 'Bearer SECRET-TOKEN-2', cookie: 'sid=SECRET-COOKIE', 'x-api-key': 'SECRET-KEY' },
  });
  assert.equal(res.status, 500);
  await res.arrayBuffer();
  const res2 = await fetch(`${url}/v1/invoke/nope/x`, { method: 'POST', headers: { authorization: 'Bearer SECRET-TOKEN-3' }, body: '[]' });
  assert.equal(res2.status, 404);
  await res2.arrayBuffer();
  sidecar.logger.info({ headers: { authorization: 'Bearer SECRET-TOKEN-4', cookie: 'SECRET-COOKIE-2' } }, 'a line with headers');
  const spans = (await eventually(() =>
    byKind(exporter.getFinishedSpans(), SpanKind.CLIENT).length >= 1 ? exporter.getFinishedSpans() : undefined,
  ))!;
  const client = byKind(spans, SpanKind.CLIENT)[0]!;
  assert.equal(client.attributes['http.response.status_code'], 500);
  assert.equal(client.status.code, 2);
  await eventually(() => lines.some((l) => l.includes('request completed')));
  const requestLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId !== undefined);
  assert.ok(requestLines.length >= 4, `request lines: ${requestLines.length}`);
  for (const l of requestLines) {
    assert.match(String(l.trace_id), /^[0-9a-f]{32}$/, JSON.stringify(l));
    assert.match(String(l.span_id), /^[0-9a-f]{16}$/);
  }
  const incoming = requestLines.find((l) => l.msg === 'incoming request' && String((l.req as { url?: string })?.url).includes('boom'));
  assert.ok(incoming);
  const serverSpan = byKind(exporter.getFinishedSpans(), SpanKind.SERVER).find((s) => s.spanContext().traceId === incoming.trace_id);
  assert.ok(serverSpan, 'log trace id is the server span trace id');
  for (const l of lines) assert.doesNotMatch(l, /SECRET/, l);
  assert.ok(lines.some((l) => l.includes('[redacted]')));
});

test('with asyncContext the request span is active inside the pipeline: root-logger lines carry its ids', async () => {
  const asyncLines: string[] = [];
  const logger = createLogger('info', { write: (s: string) => void asyncLines.push(s) });
  const config = parseConfig(
    `listen: { port: 0 }\nadmin: { enabled: false }\ntracing: { enabled: true }\n` +
      `services:\n  orders: { protocol: http, endpoints: ["${upstream.url}"] }\n`,
    'test',
  );
  const logInside = (next: (c: never) => Promise<unknown>) => (call: never) => {
    logger.info('inside the pipeline');
    return next(call);
  };
  const traced = await createSidecar({
    config,
    logger,
    tracing: { asyncContext: true, exporter: new InMemorySpanExporter() },
    hooks: { observe: [() => logInside as never] },
  });
  const { port } = await traced.start();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/invoke/orders/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const inside = asyncLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'inside the pipeline');
    assert.ok(inside);
    assert.match(String(inside.trace_id), /^[0-9a-f]{32}$/);
    assert.equal(inside.reqId, undefined, 'a root-logger line, not the request logger');
  } finally {
    await traced.close();
  }
});
