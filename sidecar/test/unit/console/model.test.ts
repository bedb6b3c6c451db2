/**
 * The console's graph model: aggregation windows, node identity, health colours, bounded cardinality.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallWindow, LATENCY_SECONDS, SERIES_SECONDS } from '../../../src/console/window.js';
import { ConsoleModel, OTHER } from '../../../src/console/model.js';
import { buildGraph, ENDPOINTS_DRAWN, type Topology, type TopologyService } from '../../../src/console/graph.js';
import { maskSecrets, MASK } from '../../../src/console/config-view.js';
import type { PeerJson } from '../../support/peer-json.js';

const T0 = 1_700_000_000_000; // a whole second

test('window: rate, error share and percentiles over the live window; older seconds drop out', () => {
  const w = new CallWindow();
  for (let s = 0; s < 5; s++) for (let i = 0; i < 10; i++) w.record(T0 + s * 1000 + i, i < 9 ? 2 : 200, i === 9);
  const now = T0 + 4 * 1000 + 999;
  const sum = w.summary(now);
  assert.equal(sum.calls, 50);
  assert.equal(sum.errors, 5);
  assert.equal(sum.errorRate, 0.1);
  // 50 calls over 9 whole seconds plus the current one
  assert.ok(Math.abs(sum.rps - 50 / (LATENCY_SECONDS - 1 + 0.999)) < 0.01, String(sum.rps));
  assert.ok(sum.p50Ms! >= 2 && sum.p50Ms! < 3.1, `p50 ${sum.p50Ms}`);
  assert.ok(sum.p99Ms! >= 200 && sum.p99Ms! < 310, `p99 ${sum.p99Ms}`);
  assert.equal(sum.series.length, SERIES_SECONDS);
  assert.deepEqual(sum.series.slice(-5), [10, 10, 10, 10, 10]);
  // 10 s later the live figures are empty but the per-second series still shows the burst
  const later = w.summary(now + LATENCY_SECONDS * 1000);
  assert.equal(later.calls, 0);
  assert.equal(later.p99Ms, null);
  assert.equal(later.series.reduce((a, b) => a + b, 0), 50);
  // a lap of the ring later nothing is left (stale slots read as zero, not as old counts)
  const lap = w.summary(now + SERIES_SECONDS * 1000);
  assert.equal(lap.series.reduce((a, b) => a + b, 0), 0);
  w.record(now + SERIES_SECONDS * 1000, 1, false);
  assert.equal(w.summary(now + SERIES_SECONDS * 1000).calls, 1);
});

test('window: a fresh burst is not diluted by the seconds before it', () => {
  const w = new CallWindow();
  for (let i = 0; i < 20; i++) w.record(T0 + i * 10, 1, false);
  const sum = w.summary(T0 + 500);
  assert.equal(sum.calls, 20);
  assert.ok(sum.rps > 1.5 && sum.rps < 2.5, String(sum.rps));
});

function service(name: string, endpoints: TopologyService['endpoints'], extra: Partial<TopologyService> = {}): TopologyService {
  return { name, label: name, protocol: 'dubbo', adhoc: false, discovery: 'zookeeper main', endpoints, ...extra };
}
const ep = (id: string, breakerOpen = false) => ({ id, address: id, weight: 100, breakerOpen, available: true });

test('graph: one node per app, service, endpoint and caller; edges carry the figures', () => {
  const m = new ConsoleModel();
  for (let i = 0; i < 30; i++) {
    m.outbound('orders', 'dubbo', 'get', T0 + i, 3, undefined);
    m.attemptEnd(m.attemptStart('orders', 'dubbo', '10.0.0.1:20880', T0 + i), T0 + i, 3);
    m.inboundCall('java-shop', 'com.example.Api', 'dubbo', 'hello', T0 + i, 1);
  }
  const topology: Topology = {
    application: 'node-app',
    services: [service('orders', [ep('10.0.0.1:20880'), ep('10.0.0.2:20880')]), service('users', [ep('10.0.0.3:20880')])],
  };
  const g = buildGraph(m, topology, T0 + 900);
  const ids = g.nodes.map((n) => n.id).sort();
  assert.deepEqual(ids, [
    'app',
    'caller:java-shop',
    'endpoint:orders/10.0.0.1:20880',
    'endpoint:orders/10.0.0.2:20880',
    'endpoint:users/10.0.0.3:20880',
    'service:orders',
    'service:users',
  ]);
  const edge = (id: string) => g.edges.find((e) => e.id === id)!;
  assert.equal(edge('app->service:orders').calls, 30);
  assert.ok(edge('app->service:orders').rps > 0);
  assert.equal(edge('app->service:orders').health, 'ok');
  assert.equal(edge('caller:java-shop->app').calls, 30);
  assert.equal(edge('service:orders->endpoint:orders/10.0.0.1:20880').calls, 30);
  assert.equal(edge('app->service:users').health, 'idle');
  assert.equal(g.nodes.find((n) => n.id === 'service:users')!.health, 'idle');
  // the same names later give the same ids: a page keeps its layout
  assert.deepEqual(buildGraph(m, topology, T0 + 1900).nodes.map((n) => n.id).sort(), ids);
});

test('graph health: failing at 5 % errors, down without endpoints or with every breaker open, gone after leaving discovery', () => {
  const m = new ConsoleModel();
  for (let i = 0; i < 100; i++)
    m.outbound('a', 'http', 'x', T0 + i, 1, i < 5 ? { code: 'FERRY_ERR_UPSTREAM_CONNECT', message: 'refused' } : undefined);
  for (let i = 0; i < 100; i++)
    m.outbound('b', 'http', 'x', T0 + i, 1, i < 1 ? { code: 'FERRY_ERR_UPSTREAM_TIMEOUT', message: 'slow' } : undefined);
  const s = m.attemptStart('c', 'dubbo', 'old:1', T0);
  m.attemptEnd(s, T0, 1, { code: 'FERRY_ERR_UPSTREAM_CONNECT', message: 'refused' });
  const g = buildGraph(
    m,
    {
      application: 'x',
      services: [
        service('a', [ep('h:1')]),
        service('b', [ep('h:2')]),
        service('c', [ep('new:1')]),
        service('d', []),
        service('e', [ep('h:3', true)]),
      ],
    },
    T0 + 500,
  );
  const health = (id: string) => g.nodes.find((n) => n.id === id)?.health;
  assert.equal(health('service:a'), 'failing');
  assert.equal(health('service:b'), 'degraded');
  assert.equal(health('service:d'), 'down');
  assert.equal(health('service:e'), 'down');
  assert.equal(health('endpoint:e/h:3'), 'down');
  assert.equal(health('endpoint:c/old:1'), 'gone');
  assert.equal(health('endpoint:c/new:1'), 'idle');
  // gone endpoints are not drawn forever
  assert.equal(
    buildGraph(m, { application: 'x', services: [service('c', [ep('new:1')])] }, T0 + 120_000).nodes.some(
      (n) => n.id === 'endpoint:c/old:1',
    ),
    false,
  );
});

test('bounded cardinality: floods of ad-hoc targets, callers, methods and endpoints fold into (other)', () => {
  const m = new ConsoleModel({ services: 50, callers: 20, methodsPerService: 10, endpointsPerService: 8 });
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 20_000; i++) {
    m.outbound(`dubbo:com.example.S${i}::@main`, 'dubbo', `m${i}`, T0 + i, 1);
    m.inboundCall(`app-${i}`, 'com.example.Api', 'dubbo', `m${i}`, T0 + i, 1);
    m.attemptEnd(m.attemptStart('fixed', 'dubbo', `10.0.${i >> 8}.${i & 255}:20880`, T0 + i), T0 + i, 1);
  }
  assert.equal(m.services.size, 50);
  assert.equal(m.callers.size, 20);
  assert.ok(m.services.peek(OTHER));
  assert.ok(m.callers.peek(OTHER));
  assert.equal(m.services.peek('fixed')!.endpoints.size, 8);
  assert.equal(m.inbound.peek('com.example.Api')!.methods.size, 10);
  assert.equal(m.services.peek(OTHER)!.calls.window.summary(T0 + 20_000).series.reduce((a, b) => a + b, 0) > 19_000, true);
  // the same again adds nothing: memory is fixed once the caps are reached
  const mid = process.memoryUsage().heapUsed;
  for (let i = 20_000; i < 60_000; i++) {
    m.outbound(`dubbo:com.example.S${i}::@main`, 'dubbo', `m${i}`, T0 + i, 1);
    m.inboundCall(`app-${i}`, 'com.example.Api', 'dubbo', `m${i}`, T0 + i, 1);
  }
  assert.equal(m.services.size, 50);
  assert.ok(process.memoryUsage().heapUsed - mid < 8 * 1024 * 1024, `heap grew ${(process.memoryUsage().heapUsed - mid) / 1e6} MB`);
  assert.ok(mid - before < 32 * 1024 * 1024, `first flood took ${(mid - before) / 1e6} MB`);
  // the graph draws the overflow as one node
  const g = buildGraph(m, { application: 'x', services: [] }, T0 + 60_000);
  assert.ok(g.nodes.some((n) => n.id === `service:${OTHER}` && n.label === '(other services)'));
  assert.ok(g.nodes.length <= 1 + 50 + 20);
});

test('graph: a service with many endpoints draws the busiest ones and one "+N more" node', () => {
  const m = new ConsoleModel();
  const eps = Array.from({ length: 20 }, (_, i) => ep(`10.0.0.${i}:20880`));
  for (let i = 0; i < 20; i++)
    for (let n = 0; n <= i; n++) m.attemptEnd(m.attemptStart('big', 'dubbo', `10.0.0.${i}:20880`, T0), T0 + n, 1);
  const g = buildGraph(m, { application: 'x', services: [service('big', eps)] }, T0 + 900);
  const drawn = g.nodes.filter((n) => n.kind === 'endpoint');
  assert.equal(drawn.length, ENDPOINTS_DRAWN + 1);
  assert.ok(drawn.some((n) => n.id === 'endpoint:big/10.0.0.19:20880'));
  assert.equal(drawn.some((n) => n.id === 'endpoint:big/10.0.0.0:20880'), false);
  assert.equal(drawn.at(-1)!.label, `+${20 - ENDPOINTS_DRAWN} more`);
});

test('idle entries are swept; configured services are kept', () => {
  const m = new ConsoleModel({ idleEvictMs: 60_000 });
  m.outbound('configured', 'http', 'x', T0, 1);
  m.outbound('adhoc', 'dubbo', 'x', T0, 1);
  m.inboundCall('caller', 'Api', 'dubbo', 'x', T0, 1);
  m.sweep(T0 + 120_000, (name) => name === 'configured');
  assert.ok(m.services.peek('configured'));
  assert.equal(m.services.peek('adhoc'), undefined);
  assert.equal(m.callers.peek('caller'), undefined);
});

test('recent errors: the last N, newest first, with code, upstream detail and trace id', () => {
  const m = new ConsoleModel({ recentErrors: 3 });
  for (let i = 0; i < 5; i++)
    m.outbound(
      'a',
      'dubbo',
      `m${i}`,
      T0 + i,
      1,
      { code: 'FERRY_ERR_UPSTREAM_EXCEPTION', message: `boom ${i}`, upstream: { exception: 'java.lang.IllegalStateException' } },
      { traceId: `t${i}` },
    );
  const errors = m.recentErrors();
  assert.deepEqual(errors.map((e) => e.method), ['m4', 'm3', 'm2']);
  assert.equal(errors[0]!.traceId, 't4');
  assert.deepEqual(errors[0]!.upstream, { exception: 'java.lang.IllegalStateException' });
  assert.equal(m.errorCount, 5);
  m.inboundCall(
    'java-shop',
    'com.example.Api',
    'dubbo',
    'hello',
    T0 + 9,
    2,
    { code: 'FERRY_ERR_UPSTREAM_HTTP_STATUS', message: 'app answered 500' },
    't9',
  );
  assert.deepEqual(
    (({ direction, caller, service, code, traceId }) => ({ direction, caller, service, code, traceId }))(m.recentErrors()[0]!),
    { direction: 'inbound', caller: 'java-shop', service: 'com.example.Api', code: 'FERRY_ERR_UPSTREAM_HTTP_STATUS', traceId: 't9' },
  );
});

test('config view: secrets masked wherever they are', () => {
  const masked = maskSecrets({
    admin: { token: 'a-very-long-admin-token', port: 4141 },
    services: { s: { endpoints: ['http://user:pw@host:1/x'] } },
    registries: { r: { address: 'h:2181' } },
  }) as PeerJson;
  assert.equal(masked.admin.token, MASK);
  assert.equal(masked.admin.port, 4141);
  assert.equal(masked.services.s.endpoints[0], `http://user:${MASK}@host:1/x`);
  assert.equal(masked.registries.r.address, 'h:2181');
});
