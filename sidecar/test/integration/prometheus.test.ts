/**
 * The Debian `prometheus` server scrapes Ferry's admin port (never the app's port) and its query API
 * returns Ferry's request counter after traffic.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.js';
import { json, readBody, startSidecar, startUpstream, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let prom: PrometheusServer;
let ferry: TestSidecar;
let upstream: TestUpstream;

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    await readBody(req);
    if (req.url?.includes('fail')) return json(res, 503, { down: true });
    json(res, 200, { ok: true });
  });
  ferry = await startSidecar(
    `metrics: { enabled: true }\nservices:\n  promorders: { protocol: http, endpoints: ["${upstream.url}"], methods: { create: {} } }\n`,
  );
  prom = await startPrometheus([new URL(ferry.adminUrl!).host]);
});

after(async () => {
  await prom?.stop();
  await ferry?.close();
  await upstream?.close();
});

test('the app port has no /metrics; the admin port serves the registry', async () => {
  assert.equal((await fetch(`${ferry.url}/metrics`)).status, 404);
  const res = await fetch(`${ferry.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /# TYPE ferry_requests_total counter/);
  assert.match(text, /# TYPE ferry_request_duration_seconds histogram/);
  assert.match(text, /nodejs_eventloop_lag_seconds/);
});

test('upstream connections gauge follows the HTTP pool', async () => {
  const res = await fetch(`${ferry.url}/v1/invoke/promorders/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '[]',
  });
  await res.arrayBuffer();
  const text = await (await fetch(`${ferry.adminUrl}/metrics`)).text();
  const m = new RegExp(`ferry_upstream_connections\\{protocol="http",endpoint="127\\.0\\.0\\.1:${upstream.port}"\\} (\\d+)`).exec(text);
  assert.ok(m && Number(m[1]) >= 1, text.split('\n').filter((l) => l.startsWith('ferry_upstream')).join('\n'));
});

test(`Prometheus scrapes Ferry and its query API returns the request counter`, async () => {
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${ferry.url}/v1/invoke/promorders/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  for (let i = 0; i < 2; i++) await (await fetch(`${ferry.url}/v1/proxy/promorders/fail/${i}`)).arrayBuffer();
  await prom.waitUp();
  const until = Date.now() + 20_000;
  let ok: Awaited<ReturnType<PrometheusServer['query']>> = [];
  let failed: typeof ok = [];
  while (Date.now() < until) {
    ok = await prom.query('ferry_requests_total{service="promorders",method="create",code="OK"}');
    failed = await prom.query('sum by (code, method) (ferry_requests_total{service="promorders",code!="OK"})');
    if (Number(ok[0]?.value[1]) >= 5 && Number(failed[0]?.value[1]) >= 2) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(ok[0]?.metric.protocol, 'http');
  assert.ok(Number(ok[0]?.value[1]) >= 5, JSON.stringify(ok));
  assert.equal(failed[0]?.metric.code, 'HTTP_503');
  assert.equal(failed[0]?.metric.method, 'GET', 'pass-through is labelled with the HTTP method, never the path');
  const timed = await prom.query('sum(ferry_request_duration_seconds_count{service="promorders"})');
  assert.ok(Number(timed[0]?.value[1]) >= 7, JSON.stringify(timed));
  console.log(`# ${prom.version}: ferry_requests_total{service="promorders",code="OK"} = ${ok[0]?.value[1]}`);
});

test('every query of the Grafana dashboard is valid PromQL over the metrics Ferry exports', async () => {
  const file = new URL('../../../../charts/ferry/dashboards/ferry-dashboard.json', import.meta.url);
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
  assert.ok(exprs.length >= 15);
  const names = new Set(
    (await (await fetch(`${ferry.adminUrl}/metrics`)).text())
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]!),
  );
  for (const { title, expr } of exprs) {
    const q = expr.replaceAll('$service', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
    await prom.query(q); // throws on a PromQL error
    for (const metric of q.match(/\b(ferry|nodejs|process)_[a-z0-9_]+/g) ?? []) {
      const base = metric.replace(/_(bucket|count|sum)$/, '');
      assert.ok(names.has(base) || names.has(metric), `${title}: ${metric} is not exported`);
    }
  }
});
