/**
 * The console in headless Chromium (Debian's, driven by playwright-core), with real traffic: the app calling a
 * real Java Dubbo 3.3 provider (found in a real ZooKeeper) and an HTTP upstream through Ferry, and a real Java
 * consumer calling the app through Ferry's inbound Dubbo provider. Signs in with the admin token, then checks
 * the graph (nodes, edges with non-zero rates), the Services and Registries pages, a test call answered by the
 * Java provider, and the provider's node turning red within seconds of the JVM being killed. Screenshots go to
 * the artifacts folder (harness/browser.ts); FERRY_UPDATE_DOCS=1 also writes docs/console.png for the README.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { REPO_ROOT, ensureJavaPeers, runConsumer, startProvider, type ConsumerResult, type JavaProvider } from '../harness/java.js';
import { artifact, launchBrowser } from '../harness/browser.js';
import { json, startUpstream, type TestUpstream } from '../support/helpers.js';
import { inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';

const TOKEN = 'browser-test-admin-token-0123456789';
const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const CONSUMER_APP = 'ferry-java-consumer';
/** How long the Java consumer keeps calling in (bounded; the test needs well under this). */
const CONSUMER_SECONDS = 45;

let browser: Browser | undefined;
let page: Page;
let zk: ZooKeeperServer;
let provider: JavaProvider;
let app: NodeApp;
let web: TestUpstream;
let sidecar: Sidecar;
let ferryUrl: string;
let adminUrl: string;
let consumer: Promise<ConsumerResult>;
let traffic: Promise<void>;
let stopTraffic = false;
const sent = { matrix: 0, web: 0, failed: 0 };

/** The app's side: a few calls a second to each service until stopped (at most 2 minutes). */
async function drive(): Promise<void> {
  const until = Date.now() + 120_000;
  while (!stopTraffic && Date.now() < until) {
    const calls = [
      request(`${ferryUrl}/v1/invoke/matrix/echoString`, { method: 'POST', body: '["hi"]' }).then(
        async (r) => (await r.body.text(), r.statusCode === 200 ? sent.matrix++ : sent.failed++),
      ),
      request(`${ferryUrl}/v1/proxy/web/ping`).then(async (r) => (await r.body.text(), sent.web++)),
    ];
    await Promise.allSettled(calls);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  browser = await launchBrowser();
  if (!browser) return;
  const jars = await ensureJavaPeers();
  [zk, app, web] = await Promise.all([
    startZooKeeper({ tickTime: 500 }),
    startNodeApp(),
    startUpstream((_req, res) => json(res, 200, { pong: true })),
  ]);
  // calls from the Java consumer take ~25 ms each in the app: a steady, bounded rate
  app.addJitterMs = 50;
  provider = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'p1', extraArgs: ['--no-greeting'] });
  const yaml = `listen: { port: 0 }
admin: { port: 0, token: "${TOKEN}" }
adhoc: { enabled: true, registries: [main] }
${inboundYaml({
  appUrl: app.url,
  zkAddress: zk.address,
  services: `services:
  matrix: { protocol: dubbo, registry: main, interface: ${MATRIX}, version: 1.0.0, retries: 0,
            methods: { echoString: { parameterTypes: [java.lang.String] }, whoami: { parameterTypes: [] } } }
  web: { protocol: http, endpoints: ["${web.url}"] }`,
})}`;
  sidecar = await createSidecar({
    config: parseConfig(yaml, 'browser test'),
    logger: createLogger(process.env.FERRY_TEST_LOG ?? 'silent'),
  });
  const ports = await sidecar.start();
  ferryUrl = `http://127.0.0.1:${ports.port}`;
  adminUrl = `http://127.0.0.1:${ports.adminPort}`;
  const until = Date.now() + 20_000;
  while (!sidecar.state.ready || sidecar.runtime().router.get('matrix')!.source.current().length === 0) {
    if (Date.now() > until) throw new Error('Ferry did not find the Java provider in ZooKeeper');
    await new Promise((r) => setTimeout(r, 100));
  }
  traffic = drive();
  consumer = runConsumer({
    jar: jars.jar33,
    mode: 'bench',
    zkAddress: zk.address,
    args: ['--service', 'node', '--method', 'addLong', '--concurrency', '1', '--warmup', '0', '--duration', String(CONSUMER_SECONDS)],
    timeoutMs: (CONSUMER_SECONDS + 60) * 1000,
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 760 } });
});

after(async () => {
  stopTraffic = true;
  await traffic;
  await browser?.close();
  await consumer;
  await sidecar?.close();
  await provider?.stop();
  await Promise.all([app?.close(), web?.close(), zk?.stop()]);
});

const node = (id: string) => page.locator(`g.node[data-id="${id}"]`);
const edge = (id: string) => page.locator(`g.edge[data-id="${id}"]`);

async function shoot(name: string): Promise<string> {
  const path = artifact(name);
  await page.locator('body').screenshot({ path }); // the page's content, however tall, without the empty viewport below
  return path;
}

async function rpsOf(id: string): Promise<number> {
  return Number(await edge(id).getAttribute('data-rps'));
}

test('the page asks for the admin token, then draws the live graph: ' +
  'callers → app → services → endpoints with non-zero rates', async (t) => {
  if (!browser) return t.skip('no Chromium (provision.ts installs it; CI fails instead)');
  await page.goto(`${adminUrl}/`);
  await page.locator('form.signin').waitFor();
  const refused = await page.request.get(`${adminUrl}/admin/v1/graph`);
  assert.equal(refused.status(), 401);
  await page.fill('form.signin input[name=token]', 'not-the-token-not-the-token');
  await page.click('form.signin button');
  await page.locator('form.signin .bad').waitFor();
  await page.fill('form.signin input[name=token]', TOKEN);
  await page.click('form.signin button');
  await page.locator('svg.graph').waitFor({ timeout: 10_000 });

  const endpointId = `endpoint:matrix/127.0.0.1:${provider.port}`;
  const callerEdge = `caller:${CONSUMER_APP}->app`;
  const t0 = Date.now();
  for (const id of ['app', 'service:matrix', 'service:web', endpointId]) await node(id).waitFor({ timeout: 20_000 });
  // the Java consumer's JVM starts and finds Ferry in ZooKeeper meanwhile (slow on a busy machine)
  await node(`caller:${CONSUMER_APP}`).waitFor({ timeout: 90_000 });
  t.diagnostic(`all nodes drawn ${((Date.now() - t0) / 1000).toFixed(1)} s after sign-in`);
  // the live feed keeps the figures moving: wait until every edge shows traffic
  const edges = ['app->service:matrix', 'app->service:web', `service:matrix->${endpointId}`, callerEdge];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rates = await Promise.all(edges.map(rpsOf));
    if (rates.every((r) => r > 0)) break;
    if (Date.now() > deadline)
      assert.fail(`edges without traffic: ${edges.filter((_, i) => !(rates[i]! > 0)).join(', ')} (sent ${JSON.stringify(sent)})`);
    await page.waitForTimeout(250);
  }
  for (const id of ['service:matrix', 'service:web', endpointId]) assert.equal(await node(id).getAttribute('data-health'), 'ok', id);
  assert.equal(await edge('app->service:matrix').getAttribute('data-health'), 'ok');
  assert.match((await edge('app->service:matrix').textContent()) ?? '', /\/s · 0\.0% err.*p99/);
  assert.equal(await page.locator('.live').getAttribute('data-live'), 'true');
  await page.waitForTimeout(1500); // a few seconds of series for the picture
  const shot = await shoot('console-graph.png');
  if (process.env.FERRY_UPDATE_DOCS === '1') {
    mkdirSync(join(REPO_ROOT, 'docs'), { recursive: true });
    copyFileSync(shot, join(REPO_ROOT, 'docs', 'console.png'));
  }
  t.diagnostic(`screenshot: ${shot}`);
});

test('Services and Registries pages: the Java provider with its figures, ' +
  'the inbound methods and caller, the ZooKeeper session', async (t) => {
  if (!browser) return t.skip('no Chromium');
  await page.click('a[data-page=services]');
  const row = page.locator(`details[data-service=matrix] tr[data-endpoint="127.0.0.1:${provider.port}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'up');
  assert.match((await row.textContent()) ?? '', /1\.0\.0/); // the provider's version from its registry URL
  await page.locator('details[data-service=matrix] tr[data-method=echoString]').waitFor();
  await page.locator(`tr[data-caller="${CONSUMER_APP}"]`).waitFor();
  await page.locator('details[data-inbound="com.example.ferry.api.NodeAppService"] tr[data-method=addLong]').waitFor();
  await shoot('console-services.png');
  await page.click('a[data-page=registries]');
  await page.locator('section.registry[data-registry=main][data-state=connected]').waitFor();
  assert.match(
    (await page.locator('section.registry[data-registry=main]').textContent()) ?? '',
    new RegExp(`/dubbo/${MATRIX.replace(/\./g, '\\.')}/providers`),
  );
  await shoot('console-registries.png');
});

test('Try it: test calls from the page (a configured service, an interface by name) are answered by the Java provider', async (t) => {
  if (!browser) return t.skip('no Chromium');
  await page.click('a[data-page=try]');
  await page.locator('.tryit select[name=service] option[value=matrix]').waitFor({ state: 'attached' });
  await page.selectOption('.tryit select[name=service]', 'matrix');
  await page.fill('.tryit input[name=method]', 'whoami');
  await page.fill('.tryit textarea[name=args]', '[]');
  await page.click('.tryit button[type=submit]');
  const answer = page.locator('.tryit .answer');
  await answer.waitFor();
  assert.equal(await answer.getAttribute('data-status'), '200');
  assert.equal(await page.locator('.tryit .answer pre.body').textContent(), JSON.stringify(`p1:${provider.port}`));
  assert.match((await page.locator('.tryit .answer .ms').textContent()) ?? '', /ms|s$/);
  await shoot('console-try.png');
  // dubbo-admin's test call: any interface by name, found through the registry
  await page.selectOption('.tryit select[name=service]', { label: 'a Dubbo interface by name (ad-hoc)' });
  await page.fill('.tryit input[name=interface]', MATRIX);
  await page.fill('.tryit input[name=version]', '1.0.0');
  await page.fill('.tryit input[name=parameterTypes]', 'java.lang.String');
  await page.fill('.tryit input[name=where]', 'main');
  await page.fill('.tryit input[name=method]', 'echoString');
  await page.fill('.tryit textarea[name=args]', '["from the console"]');
  await page.click('.tryit button[type=submit]');
  await page.locator('.tryit .answer pre.body', { hasText: 'from the console' }).waitFor({ timeout: 15_000 });
  assert.equal(await answer.getAttribute('data-status'), '200');
});

test("a killed provider's node turns red within a few seconds; the failures are listed with their code", async (t) => {
  if (!browser) return t.skip('no Chromium');
  await page.click('a[data-page=graph]');
  const endpointId = `endpoint:matrix/127.0.0.1:${provider.port}`;
  await node(endpointId).waitFor();
  const killedAt = Date.now();
  await provider.kill(); // SIGKILL: no unregistration, the node stays in ZooKeeper; calls fail at once
  const red = ['failing', 'down', 'gone'];
  const isRed = async (id: string) => red.includes((await node(id).getAttribute('data-health')) ?? '');
  while (!((await isRed('service:matrix')) && (await isRed(endpointId)))) {
    if (Date.now() - killedAt > 10_000)
      assert.fail(
        `still not red 10 s after SIGKILL: ${await node('service:matrix').getAttribute('data-health')}, ` +
          `${await node(endpointId).getAttribute('data-health')}`,
      );
    await page.waitForTimeout(100);
  }
  const seconds = (Date.now() - killedAt) / 1000;
  t.diagnostic(`red ${seconds.toFixed(1)} s after SIGKILL`);
  assert.ok(seconds < 5, `took ${seconds} s`);
  assert.equal(await node('service:web').getAttribute('data-health'), 'ok');
  await shoot('console-provider-killed.png');
  await page.click('a[data-page=errors]');
  const row = page.locator('table.errors tbody tr').first();
  await row.waitFor();
  assert.match((await row.getAttribute('data-code')) ?? '', /^FERRY_ERR_(UPSTREAM_CONNECT|UPSTREAM_RESET|CIRCUIT_OPEN|NO_ENDPOINT)$/);
  assert.match((await row.textContent()) ?? '', /matrix \/ echoString/);
  await shoot('console-errors.png');
});
