/**
 * `type: eureka` as a configured sidecar uses it, against a real Spring Cloud Netflix Eureka server (basic auth,
 * response cache off), two real Spring Boot Eureka-client services and a real ZooKeeper:
 * - Ferry calls the Spring service by its Eureka name (http and jsonrpc services with `app:`), zone in the
 *   endpoint params, and stops calling an instance that goes DOWN or is deleted within the refresh bound;
 * - the Spring service calls the app through the registration Ferry made (`inbound.app.register`);
 * - the app's health endpoint failing takes it out of Eureka (DOWN) and Ferry's Dubbo provider out of ZooKeeper,
 *   and back when it recovers (one failed probe does not);
 * - Eureka restarted: calls go on from the last good list, Ferry registers the app again;
 * - shutdown: the app is deregistered before the drain starts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureSpringPeers, startEureka, startSpringService, type EurekaServer, type SpringService } from '../harness/eureka.js';
import { startZooKeeper, listDubboUrls, zkChildren, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { eventually, startSidecar, startUpstream, type TestSidecar, type TestUpstream } from '../support/helpers.js';

const USER = 'ferry';
const PASS = 's3cret';
const APP = 'ferry-app';
const IFACE = 'com.example.ferry.NodeHealth';
/** Ferry's refresh interval here (production: 30 s); the server's cache expires in 1 s. */
const REFRESH_MS = 500;
/** How long a change may take to reach Ferry: the server's 1 s cache plus a fetch, with slack for a loaded machine. */
const BOUND_MS = 15_000;
/** The same for the Spring services: their client fetches every 1 s, backing off up to 3 intervals when slow. */
const SPRING_BOUND_MS = 20_000;

let eureka: EurekaServer;
let zk: ZooKeeperServer;
let s1: SpringService;
let s2: SpringService;
let app: TestUpstream;
let healthy = true;
let healthProbes = 0;
let ferry: TestSidecar;

function ferryYaml(): string {
  return `
application: ${APP}
advertiseHost: 127.0.0.1
log: { level: ${process.env.FERRY_TEST_LOG ?? 'silent'} }
registries:
  eu:
    type: eureka
    serviceUrls: ["${eureka.serviceUrl}"]
    username: ${USER}
    password: ${PASS}
    refreshMs: ${REFRESH_MS}
    timeoutMs: 3000
    instance: { renewalIntervalMs: 1000, leaseDurationMs: 5000, metadata: { zone: zone-b } }
  zk: { address: "${zk.address}", sessionTimeoutMs: 4000 }
services:
  orders: { protocol: http, registry: eu, app: spring-orders, retries: 0, timeoutMs: 10000 }
  ordersRpc: { protocol: jsonrpc, registry: eu, app: SPRING-ORDERS, path: /rpc, retries: 0 }
shutdown: { drainTimeoutMs: 10000 }
inbound:
  app:
    url: "${app.url}"
    register: [eu]
    health: { path: /health, intervalMs: 300, timeoutMs: 250, failureThreshold: 3, successThreshold: 2 }
  dubbo:
    host: 127.0.0.1
    port: 0
    registry: zk
    services:
      - interface: ${IFACE}
        methods: { hello: { http: "GET /hello", parameterTypes: [], returns: java.lang.String } }
`;
}

before(async () => {
  await ensureSpringPeers();
  [eureka, zk] = await Promise.all([startEureka({ auth: { user: USER, pass: PASS } }), startZooKeeper()]);
  [s1, s2] = await Promise.all([startSpringService({ eureka, zone: 'zone-a' }), startSpringService({ eureka, zone: 'zone-c' })]);
  console.log(`# Eureka ready in ${eureka.readyMs} ms; Spring services UP ${s1.readyMs} / ${s2.readyMs} ms after their start`);
  app = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/health') {
      healthProbes++;
      res.statusCode = healthy ? 200 : 503;
      res.end(JSON.stringify({ status: healthy ? 'UP' : 'DOWN' }));
      return;
    }
    if (req.url?.startsWith('/slow')) {
      setTimeout(() => res.end(JSON.stringify({ from: 'node-app', slow: true })), 3000);
      return;
    }
    res.end(JSON.stringify({ from: 'node-app', path: req.url }));
  });
  ferry = await startSidecar(ferryYaml());
});
after(async () => {
  await ferry?.close().catch(() => {});
  await Promise.allSettled([s1?.stop(), s2?.stop()]);
  await Promise.allSettled([eureka?.stop(), zk?.stop()]);
  await app?.close();
});

/** One call through Ferry: the status and the instance that answered, or else Ferry's error code and the body. */
async function hello(): Promise<{ status: number; instanceId?: string; error?: string }> {
  const res = await fetch(`${ferry.url}/v1/proxy/orders/hello?name=ferry`);
  const text = await res.text();
  const instanceId = (JSON.parse(text) as { instanceId?: string }).instanceId;
  if (instanceId) return { status: res.status, instanceId };
  return { status: res.status, error: `${res.headers.get('x-ferry-error') ?? '(not a Ferry error)'} ${text}` };
}

/** Calls that met a refusing endpoint and were requeued (or retried) on another one, so far. */
async function requeued(): Promise<number> {
  const text = await (await fetch(`${ferry.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => /^ferry_retries_total\{.*service="orders",code="FERRY_ERR_UPSTREAM_CONNECT"/.test(l));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The instance ids that answered `n` calls through Ferry. */
async function answering(n = 12): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await hello();
    if (r.status === 200 && r.instanceId) seen.add(r.instanceId);
  }
  return seen;
}

const both = () => new Set([s1.instanceId, s2.instanceId]);
const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

test('Ferry calls the Spring service by its Eureka name (http and jsonrpc), UP instances only, zone in the params', async () => {
  await eventually(async () => same(await answering(), both()), BOUND_MS);
  const route = ferry.sidecar.runtime().router.get('orders')!;
  const zones = route.source
    .current()
    .map((e) => `${e.params.instanceId}=${e.params.zone}`)
    .sort();
  assert.deepEqual(zones, [`${s1.instanceId}=zone-a`, `${s2.instanceId}=zone-c`].sort());

  const rpc = await fetch(`${ferry.url}/v1/invoke/ordersRpc/hello`, { method: 'POST', body: JSON.stringify(['rpc']) });
  assert.equal(rpc.status, 200);
  const result = (await rpc.json()) as { greeting: string; instanceId: string };
  assert.equal(result.greeting, 'hello rpc');
  assert.ok(both().has(result.instanceId));
});

test('an instance that goes DOWN, then one that is deleted, stops getting calls within the refresh bound', async () => {
  await s1.setStatus('DOWN');
  let t0 = Date.now();
  await eventually(async () => same(await answering(), new Set([s2.instanceId])), BOUND_MS);
  console.log(`# DOWN: no calls to it ${Date.now() - t0} ms after the status change`);
  await s1.setStatus('UP');
  await eventually(async () => same(await answering(), both()), BOUND_MS);

  const route = ferry.sidecar.runtime().router.get('orders')!;
  const listed = () => route.source.current().map((e) => e.params.instanceId);
  const before = await requeued();
  t0 = Date.now();
  await s2.stop(); // SIGTERM: its Eureka client deletes the instance, its port closes, the JVM exits
  // Ferry learns of the deletion a fetch later; meanwhile a call that meets the closed port is requeued on s1
  let calls = 0;
  await eventually(async () => {
    assert.deepEqual(await hello(), { status: 200, instanceId: s1.instanceId }, `call ${++calls} after SIGTERM`);
    return listed().length === 1 && listed()[0] === s1.instanceId;
  }, BOUND_MS);
  const ms = Date.now() - t0;
  const moved = (await requeued()) - before;
  console.log(`# deleted: out of Ferry's list ${ms} ms after SIGTERM; ${calls} calls meanwhile, all answered by s1 (${moved} requeued)`);
  for (let i = 0; i < 10; i++) assert.deepEqual(await hello(), { status: 200, instanceId: s1.instanceId }, `call ${i + 1} after it left`);
});

test('the Spring service calls the app through the registration Ferry made (pod address, app port, metadata)', async () => {
  await eventually(async () => (await s1.call(APP, '/hello')).status === 200, SPRING_BOUND_MS);
  const r = await s1.call(APP, '/hello?x=1');
  assert.deepEqual(JSON.parse(r.body!), { from: 'node-app', path: '/hello?x=1' });
  const [seen] = await s1.instancesOf(APP);
  assert.equal(seen!.host, '127.0.0.1');
  assert.equal(seen!.port, app.port);
  assert.equal(seen!.metadata.zone, 'zone-b');
  const [record] = await eureka.instances(APP);
  assert.equal(record!.status, 'UP');
  assert.equal((record as { healthCheckUrl?: string }).healthCheckUrl, `http://127.0.0.1:${app.port}/health`);
  assert.equal((await listDubboUrls(zk.address, IFACE)).length, 1, "Ferry's Dubbo provider is in ZooKeeper");
});

test("the app's health failing takes it out of Eureka and ZooKeeper, back in when it recovers; one failed probe does not", async () => {
  const status = async () => (await eureka.instances(APP))[0]?.status;
  // interface-level provider nodes and the application-level instance record (registerMode: all)
  const providers = async () => {
    const c = await zkClient(zk.address);
    try {
      const instances = await zkChildren(c, `/services/${APP}`).catch(() => [] as string[]);
      return `${(await listDubboUrls(zk.address, IFACE)).length}+${instances.length}`;
    } finally {
      c.close();
    }
  };

  // one failed probe among passes: nothing moves
  const before1 = healthProbes;
  healthy = false;
  await eventually(() => healthProbes > before1, 5000, 5);
  healthy = true;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await status(), 'UP');
  assert.equal(await providers(), '1+1');

  healthy = false;
  const t0 = Date.now();
  await eventually(async () => (await status()) === 'DOWN' && (await providers()) === '0+0', BOUND_MS);
  console.log(`# health failing: DOWN in Eureka and out of ZooKeeper after ${Date.now() - t0} ms`);
  await eventually(async () => (await s1.call(APP, '/hello')).httpStatus === 503, SPRING_BOUND_MS);

  healthy = true;
  await eventually(async () => (await status()) === 'UP' && (await providers()) === '1+1', BOUND_MS);
  await eventually(async () => (await s1.call(APP, '/hello')).status === 200, SPRING_BOUND_MS);
});

test('Eureka restarted: calls go on from the last good list meanwhile, Ferry registers the app again', async () => {
  await eureka.pause();
  // Eureka is away: the last good list serves every call
  const deadline = Date.now() + 3000;
  let calls = 0;
  while (Date.now() < deadline) {
    assert.deepEqual(await hello(), { status: 200, instanceId: s1.instanceId });
    calls++;
  }
  await eureka.resume();
  const t0 = Date.now();
  // a fresh JVM answers its first requests slowly (seconds, on a loaded machine)
  await eureka.waitFor(APP, undefined, 30_000);
  console.log(`# ${calls} calls answered while Eureka was away; the app registered again ${Date.now() - t0} ms after Eureka answered`);
  await eureka.waitFor('SPRING-ORDERS', undefined, 30_000);
  for (let i = 0; i < 5; i++) assert.deepEqual(await hello(), { status: 200, instanceId: s1.instanceId });
  await eventually(async () => (await s1.call(APP, '/hello')).status === 200, 30_000);
});

test('shutdown: the app leaves Eureka before the drain, while a call is still in flight', async () => {
  const inFlight = fetch(`${ferry.url}/v1/proxy/orders/slow?ms=3000`).then(async (r) => ({ status: r.status, body: await r.text() }));
  await new Promise((r) => setTimeout(r, 300));
  let answered = false;
  void inFlight.then(() => (answered = true));
  const closing = ferry.close();
  await eventually(async () => (await eureka.instances(APP)).length === 0, 5000);
  assert.equal(answered, false, 'deregistered while the call was still in flight');
  const r = await inFlight;
  assert.equal(r.status, 200, r.body);
  await closing;
  assert.equal((await listDubboUrls(zk.address, IFACE)).length, 0);
});
