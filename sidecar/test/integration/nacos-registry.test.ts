/**
 * `registries.<name>.type: nacos` end to end, against a real Nacos-protocol server (r-nacos, built by the
 * pretest) and real Java Dubbo 3.3 providers and consumers registered in it through the Nacos Java client:
 * Ferry calls a Java provider found at interface level, at application level and both (`auto`); a Java
 * consumer calls the app through Ferry's own registration; a provider that stops is dropped within the poll
 * bound; a Nacos restart does not lose Ferry's registration; HTTP and JSON-RPC services found by Nacos name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rnacosPresent, startNacos, type NacosServer } from '../harness/nacos.js';
import {
  DEFAULT_JVM_ARGS,
  ensureJavaPeers,
  runConsumer,
  startProvider,
  type ConsumerResult,
  type JavaPeerJars,
  type JavaProvider,
} from '../harness/java.js';
import { eventually, json, readBody, startSidecar, startUpstream, dubboServer, type TestSidecar } from '../support/helpers.js';
import { inboundYaml, NODE_IFACE, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';
import { createNacosHttpTransport } from '../../src/discovery/nacos/http-v1.js';
import { registerInstance, type NacosRegistration } from '../../src/discovery/nacos/registration.js';
import { interfaceServiceName, readNacosMapping } from '../../src/discovery/nacos/dubbo.js';
import type { NacosTransport } from '../../src/discovery/nacos/types.js';

const skip = !rnacosPresent() && !process.env.CI ? 'r-nacos is not built (run the pretest)' : false;
const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const POLL_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;
/** What the README promises: a removal is seen within one poll interval plus one request. */
const REMOVAL_BOUND_MS = POLL_MS + REQUEST_TIMEOUT_MS;

let jars: JavaPeerJars;
let nacos: NacosServer;
let transport: NacosTransport;
let ifaceOnly: JavaProvider;
let instanceOnly: JavaProvider;
let ferry: TestSidecar;
const key = (serviceName: string) => ({ namespaceId: '', groupName: 'DEFAULT_GROUP', serviceName });

/** Java Dubbo registered in Nacos through nacos-client (gRPC); its local caches and logs in a temp dir. */
async function nacosJvmArgs(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-nacos-java-'));
  return [
    ...DEFAULT_JVM_ARGS,
    `-DJM.LOG.PATH=${dir}`,
    `-DJM.SNAPSHOT.PATH=${dir}`,
    `-Dcom.alibaba.nacos.naming.cache.dir=${dir}`,
    '-Dnacos.logging.default.config.enabled=false',
  ];
}

async function javaProvider(name: string, extraArgs: string[]): Promise<JavaProvider> {
  const jvmArgs = await nacosJvmArgs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProvider({
        jar: jars.jar33,
        zkAddress: nacos.registryUrl,
        name,
        jvmArgs,
        extraArgs: [...extraArgs, '--no-greeting'],
        timeoutMs: 120_000,
      });
    } catch (err) {
      // the free port was taken before the JVM bound it (a busy machine's outgoing connection)
      if (attempt === 3 || !/exited with|Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

const registries = (extra = {}) => {
  const base = { type: 'nacos', address: nacos.address, pollIntervalMs: POLL_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, ...extra };
  return { ni: { ...base, discovery: 'interface' }, na: { ...base, discovery: 'instance' }, nauto: base };
};
const matrix = (registry: string) => ({
  protocol: 'dubbo',
  registry,
  interface: MATRIX,
  version: '1.0.0',
  timeoutMs: 5000,
  methods: { whoami: { parameterTypes: [] } },
});
const ids = (svc: string) =>
  ferry.sidecar
    .runtime()
    .router.get(svc)!
    .source.current()
    .map((e) => e.id)
    .sort();

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

before(async () => {
  if (skip) return;
  jars = await ensureJavaPeers();
  nacos = await startNacos();
  transport = createNacosHttpTransport({ servers: [nacos.address] });
  // one JVM at a time: several starting together on a loaded 2-core machine take minutes
  ifaceOnly = await javaProvider('nacos-iface', ['--register-mode', 'interface', '--app', 'nacos-iface-app']);
  instanceOnly = await javaProvider('nacos-inst', ['--register-mode', 'instance', '--app', 'nacos-inst-app']);
  // Java writes the interface → app mapping some time after it is READY (seconds on a loaded machine): the
  // instance-mode tests are about Ferry following the mapping, not about Java's start-up, so wait for it here
  await eventually(async () => (await readNacosMapping(transport, '', MATRIX)).includes('nacos-inst-app'), 90_000, 200);
  ferry = await startSidecar(
    [
      'application: ferry-nacos-consumer',
      `registries: ${JSON.stringify(registries())}`,
      `services: ${JSON.stringify({
        viaIface: matrix('ni'),
        viaInstance: matrix('na'),
        viaAuto: matrix('nauto'),
        anyVersion: { ...matrix('ni'), version: '*' },
      })}`,
    ].join('\n'),
  );
});
after(async () => {
  await ferry?.close();
  await Promise.all([ifaceOnly?.stop(), instanceOnly?.stop()]);
  await transport?.close();
  await nacos?.stop();
});

test('interface mode: Ferry finds and calls a Java provider by its providers:{interface}:{version}: service', { skip }, async () => {
  await eventually(() => ids('viaIface').length > 0, 30_000, 100);
  // the instance-only provider has no interface-level record: interface mode does not see it
  assert.deepEqual(ids('viaIface'), [`127.0.0.1:${ifaceOnly.port}`]);
  const r = await post(`${ferry.url}/v1/invoke/viaIface/whoami`, []);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(String(r.body), /^nacos-iface:/);
});

test(
  'instance mode: Ferry finds a provider registered only at application level (mapping, app service, MetadataService)',
  { skip },
  async () => {
    await eventually(() => ids('viaInstance').length > 0, 30_000, 100);
    assert.deepEqual(ids('viaInstance'), [`127.0.0.1:${instanceOnly.port}`]);
    const r = await post(`${ferry.url}/v1/invoke/viaInstance/whoami`, []);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(String(r.body), /^nacos-inst:/);
  },
);

test('version "*": the interface\'s services are read from the Nacos catalog, one endpoint per export', { skip }, async () => {
  await eventually(() => ids('anyVersion').length > 0, 30_000, 100);
  assert.deepEqual(ids('anyVersion'), [`127.0.0.1:${ifaceOnly.port}//1.0.0`]);
  const r = await post(`${ferry.url}/v1/invoke/anyVersion/whoami`, []);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('auto mode: both providers, one endpoint each', { skip }, async () => {
  await eventually(() => ids('viaAuto').length === 2, 30_000, 100);
  assert.deepEqual(ids('viaAuto'), [`127.0.0.1:${ifaceOnly.port}`, `127.0.0.1:${instanceOnly.port}`].sort());
  const seen = new Set<string>();
  await eventually(async () => {
    const r = await post(`${ferry.url}/v1/invoke/viaAuto/whoami`, []);
    if (r.status === 200) seen.add(String(r.body).split(':')[0]!);
    return seen.size === 2;
  }, 20_000);
});

test("a provider that stops is dropped from Ferry's list within the poll bound (interface and instance level)", { skip }, async (t) => {
  const p = await javaProvider('nacos-gone', ['--app', 'nacos-gone-app']);
  const id = `127.0.0.1:${p.port}`;
  try {
    await eventually(() => ids('viaIface').includes(id) && ids('viaInstance').includes(id) && ids('viaAuto').includes(id), 30_000, 50);
  } catch (err) {
    await p.stop();
    throw err;
  }
  // SIGKILL: no deregistration; Nacos drops the instances when the client's gRPC connection closes
  const t0 = Date.now();
  await p.kill();
  const goneFrom = async (svc: string) => {
    await eventually(() => !ids(svc).includes(id), 30_000, 20);
    return Date.now() - t0;
  };
  const [iface, inst, auto] = await Promise.all([goneFrom('viaIface'), goneFrom('viaInstance'), goneFrom('viaAuto')]);
  // what Nacos itself took: its list no longer has the instance
  t.diagnostic(
    `removal seen by Ferry after SIGKILL: interface ${iface} ms, instance ${inst} ms, auto ${auto} ms ` +
      `(poll ${POLL_MS} ms, request timeout ${REQUEST_TIMEOUT_MS} ms)`,
  );
  assert.ok(!(await transport.listInstances(key(interfaceServiceName(MATRIX, '1.0.0', '')))).some((i) => i.port === p.port));
  // Ferry's own part of the delay is bounded; Nacos' detection of the dead client comes on top: generous slack
  for (const ms of [iface, inst, auto]) assert.ok(ms < REMOVAL_BOUND_MS + 10_000, `removal seen after ${ms} ms`);
});

test(
  "Ferry's own part of the removal delay: an instance deregistered over HTTP leaves the list within poll + request",
  { skip },
  async (t) => {
    const http = await startUpstream((_req, res) => json(res, 200, { ok: true }));
    const spec = { ...key('ferry-removal-probe'), ip: '127.0.0.1', port: http.port, metadata: {} };
    const probe = await startSidecar(
      'resilience: { emptyListProtectionMs: 0 }\n' +
        `registries: ${JSON.stringify({ n: registries().nauto })}\n` +
        `services: ${JSON.stringify({ probe: { protocol: 'http', registry: 'n', app: 'ferry-removal-probe' } })}`,
    );
    try {
      const route = probe.sidecar.runtime().router.get('probe')!;
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        await transport.register(spec);
        await eventually(() => route.source.current().length === 1, 10_000, 10);
        const t0 = Date.now();
        await transport.deregister(spec);
        await eventually(() => route.source.current().length === 0, 10_000, 5);
        samples.push(Date.now() - t0);
      }
      t.diagnostic(`deregistration → gone from Ferry's list: ${samples.join(', ')} ms (bound ${REMOVAL_BOUND_MS} ms)`);
      // a loaded machine may stall a poll: the bound plus slack for the scheduler
      for (const ms of samples) assert.ok(ms < REMOVAL_BOUND_MS + 2000, `removal seen after ${ms} ms`);
    } finally {
      await probe.close();
      await http.close();
    }
  },
);

test('HTTP and JSON-RPC services found by Nacos service name (app)', { skip }, async () => {
  const web = await startUpstream(async (req, res) => json(res, 200, { path: req.url, from: 'orders-web' }));
  const rpc = await startUpstream(async (req, res) => {
    const call = JSON.parse((await readBody(req)).toString()) as { id: number; method: string; params: number[] };
    json(res, 200, {
      jsonrpc: '2.0',
      id: call.id,
      result: req.url === '/rpc' && call.method === 'add' ? call.params[0]! + call.params[1]! : null,
    });
  });
  const regs: NacosRegistration[] = [];
  const byName = await startSidecar(
    [
      'resilience: { emptyListProtectionMs: 0 }',
      `registries: ${JSON.stringify({ n: registries().nauto })}`,
      `services: ${JSON.stringify({
        orders: { protocol: 'http', registry: 'n', app: 'orders-web' },
        calc: { protocol: 'jsonrpc', registry: 'n', app: 'calc-rpc', path: '/rpc' },
      })}`,
    ].join('\n'),
  );
  try {
    // as a Spring Cloud Alibaba app registers itself: its application name as the service, ephemeral, heartbeated
    regs.push(
      await registerInstance(transport, {
        ...key('orders-web'),
        ip: '127.0.0.1',
        port: web.port,
        metadata: { 'preserved.register.source': 'SPRING_CLOUD' },
      }),
    );
    regs.push(await registerInstance(transport, { ...key('calc-rpc'), ip: '127.0.0.1', port: rpc.port, metadata: {} }));
    const orders = await eventually(
      async () => {
        const res = await fetch(`${byName.url}/v1/proxy/orders/list?x=1`);
        return res.status === 200 ? ((await res.json()) as { path: string; from: string }) : undefined;
      },
      15_000,
      100,
    );
    assert.deepEqual(orders, { path: '/list?x=1', from: 'orders-web' });
    const sum = await eventually(
      async () => {
        const r = await post(`${byName.url}/v1/invoke/calc/add`, [40, 2]);
        return r.status === 200 ? r.body : undefined;
      },
      15_000,
      100,
    );
    assert.equal(sum, 42);
    await regs.shift()!.close();
    await eventually(() => byName.sidecar.runtime().router.get('orders')!.source.current().length === 0, 5000, 20);
    const res = await fetch(`${byName.url}/v1/proxy/orders/list`);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { code: string }).code, 'FERRY_ERR_NO_ENDPOINT');
  } finally {
    await Promise.all(regs.map((r) => r.close()));
    await byName.close();
    await Promise.all([web.close(), rpc.close()]);
  }
});

// ---------------------------------------------------------------------------------------- Ferry as the provider

let app: NodeApp;
let provider: TestSidecar;

async function javaConsumer(migration: string, extra: string[] = []): Promise<ConsumerResult> {
  return runConsumer({
    jar: jars.jar33,
    mode: 'typed',
    zkAddress: nacos.registryUrl,
    jvmArgs: await nacosJvmArgs(),
    args: ['--migration', migration, '--check-timeout', '20000', ...extra],
  });
}
const hello = (r: ConsumerResult) =>
  r.lines.find((l: { call?: string; method?: string }) => l.call === 'hello' || (l.call === undefined && l.method === 'hello'));

test(
  'Ferry registers its Dubbo services in Nacos as a Java provider does; a Java consumer calls the app through it',
  { skip },
  async () => {
    app = await startNodeApp();
    const yaml = inboundYaml({ appUrl: app.url, registerMode: 'interface' }).replace('  dubbo:\n', '  dubbo:\n    registry: nacos\n');
    provider = await startSidecar(`${yaml}\nregistries: ${JSON.stringify({ nacos: registries().nauto })}`);
    const port = dubboServer(provider.sidecar).port;
    const listed = await transport.listInstances(key(interfaceServiceName(NODE_IFACE)));
    assert.deepEqual(
      listed.map((i) => [i.ip, i.port, i.healthy, i.ephemeral]),
      [['127.0.0.1', port, true, true]],
    );
    const m = listed[0]!.metadata;
    assert.equal(m.interface, NODE_IFACE);
    assert.equal(m.protocol, 'dubbo');
    assert.equal(m.category, 'providers');
    assert.equal(m.side, 'provider');
    assert.equal(m.application, 'node-app');
    assert.ok(m.methods!.split(',').includes('hello'));

    const r = await javaConsumer('FORCE_INTERFACE');
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-4000));
    assert.equal(hello(r)?.value, 'Hello ferry');
  },
);

test(
  'inbound.dubbo.registerMode instance: Ferry at application level in Nacos (mapping, app instance, MetadataService); ' +
    'a FORCE_APPLICATION Java consumer calls through it',
  { skip },
  async () => {
    assert.ok(app, 'needs the registration test before');
    const yaml = inboundYaml({ appUrl: app.url, registerMode: 'instance' }).replace('  dubbo:\n', '  dubbo:\n    registry: nacos\n');
    const appLevel = await startSidecar(
      `${yaml}\nregistries: ${JSON.stringify({ nacos: registries().nauto })}`,
    );
    try {
      const port = dubboServer(appLevel.sidecar).port;
      assert.deepEqual(await transport.getConfig('', 'mapping', NODE_IFACE), 'node-app');
      const [instance, ...more] = await transport.listInstances(key('node-app'));
      assert.equal(more.length, 0);
      assert.deepEqual([instance!.ip, instance!.port], ['127.0.0.1', port]);
      assert.match(instance!.metadata['dubbo.metadata.revision']!, /^[0-9a-f]{32}$/);
      assert.deepEqual(JSON.parse(instance!.metadata['dubbo.endpoints']!), [{ port, protocol: 'dubbo' }]);
      // registerMode instance: no interface-level record of its own (the other Ferry's is there)
      assert.ok(!(await transport.listInstances(key(interfaceServiceName(NODE_IFACE)))).some((i) => i.port === port));
      // the consumer finds the interface's apps through the mapping, read from its metadata center (Nacos)
    const r = await javaConsumer('FORCE_APPLICATION', ['--metadata-center', 'true']);
      assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-4000));
      assert.equal(hello(r)?.value, 'Hello ferry');
    } finally {
      await appLevel.close();
    }
    assert.deepEqual(await transport.listInstances(key('node-app')), []);
  },
);

test(
  "a Nacos restart does not lose Ferry's registration: beats register it again; a Java consumer still calls through it",
  { skip },
  async (t) => {
    assert.ok(provider, 'needs the registration test before');
    const port = dubboServer(provider.sidecar).port;
    const t0 = Date.now();
    await nacos.restart();
    await eventually(
      async () =>
        (await transport.listInstances(key(interfaceServiceName(NODE_IFACE)))).some(
          (i) => i.port === port && i.metadata.interface === NODE_IFACE,
        ),
      20_000,
      100,
    );
    t.diagnostic(`registered again ${Date.now() - t0} ms after the restart began (beat interval 5 s)`);
    const r = await javaConsumer('FORCE_INTERFACE');
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-4000));
    assert.equal(hello(r)?.value, 'Hello ferry');
  },
);

test('on shutdown Ferry deregisters from Nacos', { skip }, async () => {
  assert.ok(provider, 'needs the registration test before');
  await provider.close();
  assert.deepEqual(await transport.listInstances(key(interfaceServiceName(NODE_IFACE))), []);
  await app.close();
});
