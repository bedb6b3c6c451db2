/**
 * The injected pod's environment, as the kubelet would hand it out, against the real `ferry` process and a
 * real ZooKeeper: the downward API's `POD_IP` is the address Ferry registers its Dubbo provider under; the admin
 * port answers the kubelet's probes at the pod address; `ferry.io/app-port`, the ConfigMap mount and the
 * token secret arrive where Ferry reads them; the app container's `FERRY_URL` is where the SDK finds Ferry.
 * (No apiserver here: the env is resolved from the patch the injector answers.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryClient } from '@ferry/sdk';
import { parseInjectorConfig } from '../../src/injector/config.js';
import { CONFIG_DIR, type Container, type EnvVar } from '../../src/injector/patch.js';
import { review } from '../../src/injector/review.js';
import { FERRY_BIN } from '../support/process.js';
import { freePort } from '../harness/ports.js';
import { startZooKeeper, waitForDubboUrls } from '../harness/zookeeper.js';
import { json, startUpstream } from '../support/helpers.js';
import { spawn } from 'node:child_process';

const POD = { ip: '127.0.0.9', name: 'orders-6f7d9-abcde', namespace: 'shop', node: 'node-1' };
const IFACE = 'com.example.shop.OrderService';

/** What the kubelet does with an env list: downward-API fields and secret keys resolved to strings. */
function resolveEnv(env: EnvVar[], secrets: Record<string, Record<string, string>>): Record<string, string> {
  const fields: Record<string, string> = {
    'status.podIP': POD.ip,
    'metadata.name': POD.name,
    'metadata.namespace': POD.namespace,
    'spec.nodeName': POD.node,
  };
  const out: Record<string, string> = {};
  for (const e of env) {
    const from = e.valueFrom as { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } | undefined;
    if (e.value !== undefined) out[e.name] = e.value;
    else if (from?.fieldRef) out[e.name] = fields[from.fieldRef.fieldPath]!;
    else if (from?.secretKeyRef) out[e.name] = secrets[from.secretKeyRef.name]![from.secretKeyRef.key]!;
    else assert.fail(`env ${e.name}: unexpected source ${JSON.stringify(e)}`);
  }
  return out;
}

test('injected env: Ferry registers POD_IP in ZooKeeper, ' +
  'probes reach the admin port at the pod address, the SDK finds Ferry by FERRY_URL', async () => {
  const zk = await startZooKeeper();
  const appHits: string[] = [];
  const app = await startUpstream((req, res) => {
    appHits.push(`${req.method} ${req.url}`);
    json(res, 200, { ok: true });
  });
  const upstream = await startUpstream((_req, res) => json(res, 200, { from: 'upstream' }));
  const dir = await mkdtemp(join(tmpdir(), 'ferry-podenv-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const config = parseInjectorConfig(`tls: { certFile: x, keyFile: y }\nsidecar: { env: { FERRY_APPLICATION: orders } }\n`, 't');
  const request = {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: POD.namespace,
    object: {
      metadata: {
        name: POD.name,
        annotations: {
          'ferry.io/inject': 'true',
          'ferry.io/config': 'orders-ferry',
          'ferry.io/port': String(port),
          'ferry.io/admin-port': String(adminPort),
          'ferry.io/app-port': String(app.port),
          'ferry.io/api-token-secret': 'orders-token',
        },
      },
      spec: { containers: [{ name: 'app', image: 'shop/orders:1' }] },
    },
  };
  const decision = review(request, 'pod', config);
  assert.equal(decision.outcome, 'injected');
  const ops = JSON.parse(Buffer.from(decision.review.response.patch!, 'base64').toString()) as Array<{ path: string; value: unknown }>;
  const sidecar = (ops.find((o) => o.path === '/spec/initContainers')!.value as Container[])[0]!;
  const appEnv = ops.find((o) => o.path === '/spec/containers/0/env')!.value as EnvVar[];
  const secrets = { 'orders-token': { token: 's3cret' } };

  // the ConfigMap, mounted where the container's args point
  await writeFile(
    join(dir, 'ferry.yaml'),
    `registries:\n  zk: { address: "${zk.address}" }\nservices:\n  catalog: { protocol: http, endpoints: ["${upstream.url}"] }\n` +
      `  orders: { protocol: dubbo, registry: zk, interface: ${IFACE}, methods: { place: { parameterTypes: [] } } }\n` +
      `inbound:\n  dubbo:\n    port: 0\n    registry: zk\n` +
      `    services:\n      - interface: ${IFACE}\n        methods:\n          place: { http: "POST /orders" }\n`,
  );
  const args = (sidecar.args as string[]).map((a) => a.replace(CONFIG_DIR, dir));
  const env = resolveEnv(sidecar.env!, secrets);
  assert.equal(env.FERRY_API_TOKEN, 's3cret', 'the token reaches the sidecar');
  const child = spawn(process.execPath, [FERRY_BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    // the kubelet probes the pod IP, not loopback
    const probe = async (path: string) => (await fetch(`http://${POD.ip}:${adminPort}${path}`).catch(() => undefined))?.status;
    const until = Date.now() + 20_000;
    while ((await probe('/readyz')) !== 200) {
      assert.ok(Date.now() < until, `ferry not ready at ${POD.ip}:${adminPort}:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await probe('/healthz'), 200);
    assert.equal(await probe('/console/'), 404, 'the console is off in an injected pod (sidecar.console)');

    const [url] = await waitForDubboUrls(zk.address, IFACE);
    const registered = new URL(url!);
    assert.equal(registered.hostname, POD.ip, `Ferry registers the pod's address (POD_IP): ${url}`);
    assert.equal(registered.searchParams.get('application'), 'orders', 'mesh-wide env (sidecar.env) applies');

    const appUrl = Object.fromEntries(appEnv.map((e) => [e.name, e]));
    assert.equal(appUrl.FERRY_URL!.value, `http://127.0.0.1:${port}`);
    assert.deepEqual(appUrl.FERRY_API_TOKEN!.valueFrom, { secretKeyRef: { name: 'orders-token', key: 'token' } });
    // the app container's env as the kubelet resolves it: FERRY_URL, and the token from the same Secret as the sidecar's
    const appResolved = resolveEnv(appEnv, secrets);
    const saved = { url: process.env.FERRY_URL, token: process.env.FERRY_API_TOKEN };
    process.env.FERRY_URL = appResolved.FERRY_URL;
    process.env.FERRY_API_TOKEN = appResolved.FERRY_API_TOKEN;
    try {
      const client = new FerryClient();
      const res = await client.http('catalog', '/items');
      assert.deepEqual(await res.json(), { from: 'upstream' }, 'the SDK finds Ferry (and sends its token) from the injected env alone');
      // a Dubbo call to the registered POD_IP address comes in through Ferry to the app, at ferry.io/app-port
      // (its own registration reaches its discovery watch a moment after start: retry until then)
      let answer: unknown;
      for (const until = Date.now() + 10_000; ; ) {
        try {
          answer = await client.invoke('orders', 'place', []);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'FERRY_ERR_NO_ENDPOINT' || Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.deepEqual(answer, { ok: true });
      // besides the call, only health-following's probes of the app's port (GET /, on by default) reach the app
      assert.deepEqual(appHits.filter((h) => h !== 'GET /'), ['POST /orders']);
    } finally {
      for (const [name, value] of [['FERRY_URL', saved.url], ['FERRY_API_TOKEN', saved.token]] as const) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
    assert.match(out, /"ferry listening"/);
    assert.ok(!/"level":50/.test(out), `no errors logged:\n${out}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await app.close();
    await upstream.close();
    await zk.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
