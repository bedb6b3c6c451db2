/**
 * Ferry's Nacos v1 HTTP client against a real Nacos-protocol server (r-nacos, built by the pretest) and real
 * Java Dubbo 3.3 providers registered in it through the Nacos Java client (gRPC): instance lists with change
 * detection (removals within the poll bound), ephemeral registration with heartbeats surviving a server
 * restart, namespaces and groups, auth, and both Dubbo layouts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rnacosPresent, startNacos, type NacosServer } from '../harness/nacos.js';
import { DEFAULT_JVM_ARGS, ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { eventually } from '../support/helpers.js';
import { createNacosHttpTransport, NacosHttpError } from '../../src/discovery/nacos/http-v1.js';
import { watchInstances } from '../../src/discovery/nacos/instances.js';
import { registerInstance } from '../../src/discovery/nacos/registration.js';
import {
  interfaceLevelEndpoints,
  interfaceServiceName,
  readNacosAppLevelEndpoints,
  readNacosMapping,
} from '../../src/discovery/nacos/dubbo.js';
import { RevisionCache } from '../../src/discovery/app-level/revisions.js';
import { metadataServiceFetcher } from '../../src/protocols/dubbo/metadata-service.js';
import type { NacosInstance, NacosTransport } from '../../src/discovery/nacos/types.js';

const skip = !rnacosPresent() && !process.env.CI ? 'r-nacos is not built (run the pretest)' : false;
const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const POLL_MS = 300;
let nacos: NacosServer;
let transport: NacosTransport;
const key = (serviceName: string, groupName = 'DEFAULT_GROUP', namespaceId = '') => ({ namespaceId, groupName, serviceName });
const ports = (list: readonly NacosInstance[] | undefined) => (list ?? []).map((i) => i.port).sort();

before(async () => {
  if (skip) return;
  nacos = await startNacos({ healthTimeoutSec: 3, instanceTimeoutSec: 6 });
  transport = createNacosHttpTransport({ servers: [nacos.address] });
});
after(async () => {
  await transport?.close();
  await nacos?.stop();
});

/** Java Dubbo registered in Nacos through nacos-client 2.4.3; its local caches and logs in a temp dir. */
async function javaProvider(name: string, extraArgs: string[]): Promise<JavaProvider> {
  const { jar33 } = await ensureJavaPeers();
  const dir = await mkdtemp(join(tmpdir(), 'ferry-nacos-java-'));
  const jvmArgs = [
    ...DEFAULT_JVM_ARGS,
    `-DJM.LOG.PATH=${dir}`,
    `-DJM.SNAPSHOT.PATH=${dir}`,
    `-Dcom.alibaba.nacos.naming.cache.dir=${dir}`,
    '-Dnacos.logging.default.config.enabled=false',
  ];
  return startProvider({
    jar: jar33,
    zkAddress: nacos.registryUrl,
    name,
    jvmArgs,
    extraArgs: [...extraArgs, '--no-greeting'],
    timeoutMs: 120_000,
  });
}

test('register, list, heartbeat, deregister; namespaces and groups keep services apart', { skip }, async () => {
  const a = { ...key('ferry-demo'), ip: '127.0.0.1', port: 18080, metadata: { k: 'v' } };
  const b = { ...key('ferry-demo', 'OTHER'), ip: '127.0.0.1', port: 18081, metadata: {} };
  const c = { ...key('ferry-demo', 'DEFAULT_GROUP', 'ns-1'), ip: '127.0.0.1', port: 18082, metadata: {} };
  for (const i of [a, b, c]) await transport.register(i);
  const listed = await transport.listInstances(key('ferry-demo'));
  assert.deepEqual(listed.map((i) => [i.ip, i.port, i.metadata.k, i.healthy]), [['127.0.0.1', 18080, 'v', true]]);
  assert.deepEqual(ports(await transport.listInstances(key('ferry-demo', 'OTHER'))), [18081]);
  assert.deepEqual(ports(await transport.listInstances(key('ferry-demo', 'DEFAULT_GROUP', 'ns-1'))), [18082]);
  assert.deepEqual((await transport.beat(a)).known, true);
  for (const i of [a, b, c]) await transport.deregister(i);
  assert.deepEqual(await transport.listInstances(key('ferry-demo')), []);
  assert.deepEqual(await transport.listInstances(key('never-registered')), []);
});

test('a watch sees additions and removals within the poll bound', { skip }, async () => {
  const watch = watchInstances(transport, key('ferry-watch'), { intervalMs: POLL_MS });
  try {
    await watch.ready();
    assert.deepEqual(watch.current(), []);
    const changes: number[][] = [];
    watch.subscribe((l) => changes.push(ports(l)));
    const i = { ...key('ferry-watch'), ip: '127.0.0.1', port: 18090, metadata: {} };
    await transport.register(i);
    await eventually(() => ports(watch.current()).join() === '18090', 5000);
    const t0 = Date.now();
    await transport.deregister(i);
    await eventually(() => watch.current()!.length === 0, 5000, 20);
    // the bound: one poll interval plus one read (generous for a loaded machine)
    assert.ok(Date.now() - t0 < POLL_MS + 2000, `removal seen after ${Date.now() - t0} ms`);
    assert.deepEqual(changes.at(-1), []);
  } finally {
    watch.close();
  }
});

test('an ephemeral registration heartbeats, survives a Nacos restart, and is gone after close', { skip }, async () => {
  const spec = { ...key('ferry-app'), ip: '127.0.0.1', port: 18100, metadata: { 'ferry.version': 'test' } };
  const reg = await registerInstance(transport, spec, { beatIntervalMs: 500 });
  try {
    // beats keep it past the 3 s health timeout
    await new Promise((r) => setTimeout(r, 4000));
    const alive = await transport.listInstances(key('ferry-app'));
    assert.deepEqual(alive.map((i) => [i.port, i.healthy]), [[18100, true]]);
    await nacos.restart();
    // the server lost its memory: the next beats register the instance again, metadata included
    await eventually(
      async () =>
        (await transport.listInstances(key('ferry-app')).catch(() => [])).some(
          (i) => i.port === 18100 && i.metadata['ferry.version'] === 'test',
        ),
      10_000,
      200,
    );
  } finally {
    await reg.close();
  }
  assert.deepEqual(await transport.listInstances(key('ferry-app')), []);
});

test('without heartbeats an ephemeral instance turns unhealthy and then disappears (server-side bound)', { skip }, async () => {
  await transport.register({ ...key('ferry-silent'), ip: '127.0.0.1', port: 18110, metadata: {} });
  await eventually(async () => (await transport.listInstances(key('ferry-silent'))).length === 0, 15_000, 250);
});

test('username/password: login, token on every call; without credentials the server refuses', { skip }, async () => {
  const secured = await startNacos({ auth: { username: 'ferry', password: 's3cret-pw' } });
  const withCreds = createNacosHttpTransport({ servers: [secured.address], username: 'ferry', password: 's3cret-pw' });
  const without = createNacosHttpTransport({ servers: [secured.address] });
  const wrong = createNacosHttpTransport({ servers: [secured.address], username: 'ferry', password: 'nope' });
  try {
    await withCreds.register({ ...key('ferry-auth'), ip: '127.0.0.1', port: 18120, metadata: {} });
    assert.deepEqual(ports(await withCreds.listInstances(key('ferry-auth'))), [18120]);
    await assert.rejects(without.listInstances(key('ferry-auth')), (e: unknown) => e instanceof NacosHttpError && e.status === 403);
    await assert.rejects(wrong.listInstances(key('ferry-auth')), /login as "ferry" failed/);
  } finally {
    await Promise.all([withCreds.close(), without.close(), wrong.close()]);
    await secured.stop();
  }
});

test('several server addresses: a dead one is skipped', { skip }, async () => {
  const t = createNacosHttpTransport({ servers: ['127.0.0.1:1', nacos.address], timeoutMs: 1000 });
  try {
    assert.deepEqual(await t.listInstances(key('nobody')), []);
  } finally {
    await t.close();
  }
});

test('a Java Dubbo 3.3 provider in Nacos: ' +
  'interface-level and application-level give the same endpoint; its stop is seen within the bound', { skip }, async () => {
  const provider = await javaProvider('nacos-p1', ['--app', 'nacos-app', '--weight', '40']);
  let stopped = false;
  try {
    const svc = key(interfaceServiceName(MATRIX, '1.0.0', ''));
    const iface = (await eventually(async () => {
      const eps = interfaceLevelEndpoints(await transport.listInstances(svc), {
        interface: MATRIX,
        version: '1.0.0',
        protocols: ['dubbo'],
      });
      return eps.length ? eps : undefined;
    }, 30_000, 200))!;
    assert.deepEqual(iface.map((e) => e.id), [`127.0.0.1:${provider.port}`]);
    assert.equal(iface[0]!.weight, 40);
    assert.ok(iface[0]!.params.methods!.split(',').includes('echoString'));

    // Java writes the mapping after its interface-level record: wait for it rather than race it
    const mapping = await eventually(async () => {
      const apps = await readNacosMapping(transport, '', MATRIX);
      return apps.length ? apps : undefined;
    }, 15_000, 100);
    assert.deepEqual(mapping, ['nacos-app']);
    const cache = new RevisionCache({ fetch: metadataServiceFetcher() });
    const app = await readNacosAppLevelEndpoints(
      transport,
      { namespaceId: '', groupName: 'DEFAULT_GROUP' },
      { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] },
      cache,
    );
    assert.deepEqual(app.map((e) => e.id), [`127.0.0.1:${provider.port}`]);
    for (const k of ['interface', 'version', 'methods', 'serialization', 'application'])
      assert.equal(app[0]!.params[k], iface[0]!.params[k], k);
    assert.equal(app[0]!.weight, 40);

    const watch = watchInstances(transport, svc, { intervalMs: POLL_MS });
    try {
      await eventually(() => (watch.current()?.length ?? 0) === 1, 5000);
      const t0 = Date.now();
      await provider.stop();
      stopped = true;
      await eventually(() => interfaceLevelEndpoints(watch.current() ?? [], { interface: MATRIX, version: '1.0.0' }).length === 0, 10_000);
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      watch.close();
    }
  } finally {
    if (!stopped) await provider.stop();
  }
});

test('a Java provider registered only at application level in Nacos is found through its MetadataService', { skip }, async () => {
  const provider = await javaProvider('nacos-inst', ['--app', 'nacos-inst-app', '--register-mode', 'instance']);
  try {
    assert.deepEqual(
      await transport.listInstances(key(interfaceServiceName(MATRIX, '1.0.0', ''))).then((l) => l.filter((i) => i.port === provider.port)),
      [],
    );
    const cache = new RevisionCache({ fetch: metadataServiceFetcher() });
    const eps = (await eventually(async () => {
      const list = await readNacosAppLevelEndpoints(
        transport,
        { namespaceId: '', groupName: 'DEFAULT_GROUP' },
        { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] },
        cache,
        ['nacos-inst-app'],
      );
      return list.length ? list : undefined;
    }, 30_000, 250))!;
    assert.deepEqual(eps.map((e) => e.id), [`127.0.0.1:${provider.port}`]);
    assert.equal(eps[0]!.params.application, 'nacos-inst-app');
  } finally {
    await provider.stop();
  }
});
