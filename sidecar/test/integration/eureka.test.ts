/**
 * Ferry's Eureka client against a real Spring Cloud Netflix Eureka server (basic auth on, response cache off)
 * and a real Spring Boot service (Eureka client, load-balanced RestClient): the REST calls and their status
 * semantics, server failover, discovery of the service's UP instances by full and delta fetches, the app's
 * registration as the Spring service sees and calls it, health-following, and a Eureka restart.
 * One Eureka JVM and one Spring JVM for the file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureSpringPeers, startEureka, startSpringService, type EurekaServer, type SpringService } from '../harness/eureka.js';
import { freePort } from '../harness/ports.js';
import { eventually, startUpstream, type TestUpstream } from '../support/helpers.js';
import { EurekaHttp, EurekaHttpError } from '../../src/discovery/eureka/http.js';
import { EurekaRegistry, createEurekaSource } from '../../src/discovery/eureka/registry.js';
import { EurekaRegistration } from '../../src/discovery/eureka/registration.js';
import type { EurekaInstance } from '../../src/discovery/eureka/instance.js';
import { AppHealth } from '../../src/discovery/app-health.js';

const USER = 'ferry';
const PASS = 's3cret';
/** Ferry's refresh interval here; the Spring client fetches every 1 s and the server's cache expires in 1 s. */
const REFRESH_MS = 500;
/** How long a change may take to reach Ferry: the server's 1 s cache plus a fetch, with slack for a loaded machine. */
const BOUND_MS = 8000;
/**
 * The same for the Spring service: its client fetches every 1 s, but a fetch slower than that (a loaded machine)
 * doubles the next delay, up to 3 intervals here (Eureka's default bound is 10).
 */
const SPRING_BOUND_MS = 15_000;

let eureka: EurekaServer;
let spring: SpringService;
let app: TestUpstream;
let deadUrl: string;
let withAuth: string;

before(async () => {
  await ensureSpringPeers();
  eureka = await startEureka({ auth: { user: USER, pass: PASS } });
  withAuth = eureka.clientUrl;
  spring = await startSpringService({ eureka, zone: 'zone-a' });
  console.log(`# Eureka ready in ${eureka.readyMs} ms, the Spring service registered ${spring.readyMs} ms after its start`);
  deadUrl = `http://127.0.0.1:${await freePort()}/eureka/`;
  app = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ from: 'node-app', path: req.url }));
  });
});
after(async () => {
  await spring?.stop();
  await eureka?.stop();
  await app?.close();
});

const instance = (id: string, port: number, extra: Partial<EurekaInstance> = {}): EurekaInstance => ({
  instanceId: id,
  app: 'FERRY-IT',
  hostName: '127.0.0.1',
  ipAddr: '127.0.0.1',
  status: 'UP',
  port: { $: port, '@enabled': 'true' },
  dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
  leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: 90 },
  vipAddress: 'ferry-it',
  ...extra,
});

test('REST client: register, renew, status override, deregister; basic auth; failover past a dead server', async () => {
  const noAuth = new EurekaHttp({ serviceUrls: [eureka.serviceUrl] });
  await assert.rejects(noAuth.applications(), (e: unknown) => e instanceof EurekaHttpError && e.status === 401);
  await noAuth.close();

  const http = new EurekaHttp({ serviceUrls: [deadUrl, eureka.serviceUrl], username: USER, password: PASS, timeoutMs: 2000 });
  try {
    await http.register(instance('it-1', 9001, { lastDirtyTimestamp: '1000' }));
    assert.equal(http.server, eureka.serviceUrl.replace(/\/$/, ''), 'the live server answered and is now the first tried');
    const got = await http.application('ferry-it');
    assert.equal(got?.length, 1);
    assert.equal(got![0]!.status, 'UP');

    assert.equal(await http.renew('FERRY-IT', 'it-1', 'UP', 1000), true);
    assert.equal(await http.renew('FERRY-IT', 'nope', 'UP', 1000), false, 'unknown instance: register again');
    assert.equal(await http.renew('FERRY-IT', 'it-1', 'UP', 5000), false, 'Eureka holds an older copy than ours: register again');

    assert.equal(await http.overrideStatus('FERRY-IT', 'it-1', 'OUT_OF_SERVICE', 1000), true);
    assert.equal((await http.application('FERRY-IT'))![0]!.status, 'OUT_OF_SERVICE');
    await http.register(instance('it-1', 9001, { lastDirtyTimestamp: '2000' }));
    assert.equal((await http.application('FERRY-IT'))![0]!.status, 'OUT_OF_SERVICE', "a registration's UP does not lift an override");
    assert.equal(await http.removeStatusOverride('FERRY-IT', 'it-1', 'UP', 2000), true);
    assert.equal((await http.application('FERRY-IT'))![0]!.status, 'UP');
    await http.register(instance('it-1', 9001, { status: 'OUT_OF_SERVICE', lastDirtyTimestamp: '3000' }));
    assert.equal(
      (await http.application('FERRY-IT'))![0]!.status,
      'UP',
      'nor does a registration say OUT_OF_SERVICE over UP (Eureka keeps UP)',
    );
    await http.register(instance('it-1', 9001, { status: 'DOWN', lastDirtyTimestamp: '4000' }));
    assert.equal((await http.application('FERRY-IT'))![0]!.status, 'DOWN', "an instance's own DOWN is taken");

    assert.equal(await http.deregister('FERRY-IT', 'it-1'), true);
    assert.equal(await http.application('FERRY-IT'), undefined);
    assert.equal(await http.deregister('FERRY-IT', 'it-1'), false);

    const only = new EurekaHttp({ serviceUrls: [deadUrl], timeoutMs: 1000 });
    await assert.rejects(only.applications(), EurekaHttpError);
    await only.close();
  } finally {
    await http.close();
  }
});

test('discovery: the Spring service found by app name (UP only, zone kept), follows its DOWN/UP within the bound, by deltas', async () => {
  const registry = new EurekaRegistry({ serviceUrls: [withAuth], refreshMs: REFRESH_MS });
  const source = createEurekaSource(registry, { app: 'spring-orders' });
  try {
    await source.ready();
    const [ep] = source.current();
    assert.equal(ep?.address, spring.url);
    assert.equal(ep.params.zone, 'zone-a');
    assert.equal(ep.params.instanceId, spring.instanceId);
    const hello = (await (await fetch(`${ep.address}/hello?name=ferry`)).json()) as { instanceId: string };
    assert.equal(hello.instanceId, spring.instanceId);

    const changes: number[] = [];
    source.subscribe((eps) => changes.push(eps.length));
    const t0 = Date.now();
    await spring.setStatus('DOWN');
    await eventually(() => source.current().length === 0, BOUND_MS);
    const downMs = Date.now() - t0;
    await spring.setStatus('UP');
    await eventually(() => source.current().length === 1, BOUND_MS);
    assert.deepEqual(changes, [0, 1]);
    assert.ok(registry.fetches.delta >= 1, `deltas were used (${JSON.stringify(registry.fetches)})`);
    assert.ok(registry.fetches.full <= 2, `at most one reconciling full fetch (${JSON.stringify(registry.fetches)})`);
    console.log(`# DOWN seen by Ferry after ${downMs} ms`);
  } finally {
    await source.close();
    await registry.close();
  }
});

test('registration: the Spring service calls the app by its Eureka name; ' +
  'health DOWN / OUT_OF_SERVICE take it out and back; close deregisters', async () => {
  const http = new EurekaHttp({ serviceUrls: [withAuth] });
  const reg = new EurekaRegistration({
    http,
    app: 'ferry-app',
    host: '127.0.0.1',
    port: app.port,
    renewalIntervalMs: 1000,
    leaseDurationMs: 5000,
    metadata: { zone: 'zone-b' },
  });
  const callable = async () => (await spring.call('ferry-app', '/hello')).status === 200;
  try {
    await reg.started();
    assert.equal(reg.inSync, true);
    await eventually(callable, SPRING_BOUND_MS);
    const r = await spring.call('ferry-app', '/hello?x=1');
    assert.deepEqual(JSON.parse(r.body!), { from: 'node-app', path: '/hello?x=1' });
    const seen = await spring.instancesOf('ferry-app');
    assert.equal(seen[0]!.metadata.zone, 'zone-b');

    await reg.setHealthy(false);
    assert.equal((await eureka.instances('FERRY-APP'))[0]!.status, 'DOWN');
    await eventually(async () => (await spring.call('ferry-app', '/hello')).httpStatus === 503, SPRING_BOUND_MS);
    await reg.setHealthy(true);
    await eventually(callable, SPRING_BOUND_MS);

    const oos = new EurekaRegistration({
      http,
      app: 'ferry-app',
      host: '127.0.0.1',
      port: app.port,
      instanceId: 'oos-mode',
      renewalIntervalMs: 1000,
      unhealthyStatus: 'OUT_OF_SERVICE',
    });
    await oos.started();
    await oos.setHealthy(false);
    await reg.setHealthy(false);
    const both = await eureka.instances('FERRY-APP');
    assert.deepEqual(both.map((i) => `${i.instanceId}=${i.status}`).sort(), [
      '127.0.0.1:ferry-app:' + app.port + '=DOWN',
      'oos-mode=OUT_OF_SERVICE',
    ]);
    await new Promise((r) => setTimeout(r, 2500)); // renewals go on without lifting the override
    assert.equal((await eureka.instances('FERRY-APP')).find((i) => i.instanceId === 'oos-mode')!.status, 'OUT_OF_SERVICE');
    await oos.setHealthy(true);
    assert.equal((await eureka.instances('FERRY-APP')).find((i) => i.instanceId === 'oos-mode')!.status, 'UP');
    await oos.close();
    await reg.setHealthy(true);
  } finally {
    await reg.close();
    await http.close();
  }
  assert.deepEqual(await eureka.instances('FERRY-APP'), []);
  await eventually(async () => (await spring.call('ferry-app', '/hello')).httpStatus === 503, SPRING_BOUND_MS);
});

test('health-following: a failing health endpoint takes the registration DOWN (not one failed probe), ' +
  'recovery brings it back', async () => {
  let healthy = true;
  let probes = 0;
  const health = await startUpstream((_req, res) => {
    probes++;
    res.statusCode = healthy ? 200 : 503;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: healthy ? 'UP' : 'DOWN' }));
  });
  const http = new EurekaHttp({ serviceUrls: [withAuth] });
  const reg = new EurekaRegistration({
    http,
    app: 'ferry-health',
    host: '127.0.0.1',
    port: health.port,
    renewalIntervalMs: 1000,
    initialStatus: 'STARTING',
  });
  const follower = new AppHealth({
    healthUrl: `${health.url}/actuator/health`,
    appUrl: health.url,
    intervalMs: 200,
    failureThreshold: 3,
    successThreshold: 2,
  });
  const status = async () => (await eureka.instances('FERRY-HEALTH'))[0]?.status;
  try {
    await reg.started();
    follower.subscribe((ok) => void reg.setHealthy(ok));
    await eventually(async () => (await status()) === 'UP', BOUND_MS);

    // one failed probe: no flap
    const before1 = probes;
    healthy = false;
    await eventually(() => probes > before1, 2000);
    healthy = true;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(follower.healthy, true);
    assert.equal(await status(), 'UP');

    healthy = false;
    await eventually(async () => (await status()) === 'DOWN', BOUND_MS);
    await eventually(async () => (await spring.call('ferry-health', '/')).httpStatus === 503, SPRING_BOUND_MS);
    healthy = true;
    await eventually(async () => (await status()) === 'UP', BOUND_MS);
    await eventually(async () => (await spring.call('ferry-health', '/')).status === 200, SPRING_BOUND_MS);
  } finally {
    await follower.close();
    await reg.close();
    await http.close();
    await health.close();
  }
});

test('Eureka restarted: the last good list serves meanwhile, Ferry registers again, ' +
  'the Spring service too; a stopped service drops out', async () => {
  const registry = new EurekaRegistry({ serviceUrls: [withAuth], refreshMs: REFRESH_MS });
  const source = createEurekaSource(registry, { app: 'SPRING-ORDERS' });
  const http = new EurekaHttp({ serviceUrls: [withAuth], timeoutMs: 3000 });
  const reg = new EurekaRegistration({ http, app: 'ferry-app', host: '127.0.0.1', port: app.port, renewalIntervalMs: 500 });
  const empties: number[] = [];
  try {
    await source.ready();
    await reg.started();
    assert.equal(source.current().length, 1);
    source.subscribe((eps) => eps.length === 0 && empties.push(Date.now()));

    await eureka.pause();
    await eventually(() => registry.stale, BOUND_MS);
    assert.equal(source.current().length, 1, 'the last good list while Eureka is away');
    const hello = await fetch(`${source.current()[0]!.address}/hello`);
    assert.equal(hello.status, 200);

    await eureka.resume();
    // a fresh JVM answers its first requests slowly (seconds, on a loaded machine)
    await eureka.waitFor('FERRY-APP', undefined, 20_000);
    await eureka.waitFor('SPRING-ORDERS', undefined, 30_000);
    await eventually(() => !registry.stale, 20_000);
    assert.equal(source.current().length, 1);
    assert.deepEqual(empties, [], 'the Spring instance never left the list across the restart');
    await eventually(async () => (await spring.call('ferry-app', '/hello')).status === 200, 30_000);

    const t0 = Date.now();
    await spring.stop();
    await eventually(() => source.current().length === 0, BOUND_MS);
    console.log(`# a deregistered Spring instance left Ferry's list after ${Date.now() - t0} ms`);
  } finally {
    await reg.close();
    await http.close();
    await source.close();
    await registry.close();
  }
});
