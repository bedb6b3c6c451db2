/**
 * Ferry as a Dubbo 3 provider at application level (`inbound.dubbo.registerMode`), called by real Java consumers
 * forced to one discovery model (`dubbo.application.service-discovery.migration`): `FORCE_APPLICATION` finds Ferry
 * through `/dubbo/mapping/{interface}` and `/services/{app}`, asks Ferry's MetadataService for the revision, and
 * calls; `FORCE_INTERFACE` keeps working with `all`, and finds nothing with `instance`. Dubbo 3.3 and 3.2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startZooKeeper, zkClient, zkChildren, zkData, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, runConsumer, type ConsumerResult, type JavaPeerJars } from '../harness/java.js';
import { startSidecar, type TestSidecar, dubboServer } from '../support/helpers.js';
import { parseCuratorInstance, parseMapping } from '../../src/discovery/zookeeper/app-level.js';
import { revisionOf } from '../../src/discovery/app-level/instance.js';
import { applicationMetadata } from '../../src/protocols/dubbo/server/registration.js';
import { NODE_IFACE, inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';

let jars: JavaPeerJars;
let zk: ZooKeeperServer;
let app: NodeApp;

before(async () => {
  [jars, zk, app] = await Promise.all([ensureJavaPeers(), startZooKeeper(), startNodeApp()]);
});
after(async () => {
  await app?.close();
  await zk?.stop();
});

async function withFerry(opts: { registerMode?: string; application: string }, run: (ferry: TestSidecar) => Promise<void>): Promise<void> {
  const ferry = await startSidecar(inboundYaml({ appUrl: app.url, zkAddress: zk.address, ...opts }));
  try {
    await run(ferry);
  } finally {
    await ferry.close();
  }
}

const consumer = (jar: string, migration: string) =>
  runConsumer({
    jar,
    mode: 'typed',
    zkAddress: zk.address,
    args: ['--migration', migration, '--metadata-center', 'true', '--methods', 'hello,getUser,addLong#big'],
  });

function assertCalled(r: ConsumerResult, label: string): void {
  const detail = `${label}: ${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`;
  assert.equal(r.code, 0, detail);
  const value = (id: string) => r.lines.find((l) => l.call === id || (l.call === undefined && l.method === id))?.value;
  assert.equal(value('hello'), 'Hello ferry', detail);
  assert.equal((value('getUser') as { name?: string } | undefined)?.name, 'user-42', detail);
  assert.equal(value('addLong#big'), '9007199254740994', detail);
}

async function zkRead(path: string): Promise<string | undefined> {
  const c = await zkClient(zk.address);
  try {
    return (await zkData(c, path))?.toString('utf8');
  } finally {
    c.close();
  }
}

test('registerMode all (default): the mapping, the instance with its revision, and the interface-level node', async (t) => {
  await withFerry({ application: 'node-app' }, async (ferry) => {
    const port = dubboServer(ferry.sidecar).port;
    assert.ok(parseMapping((await zkRead(`/dubbo/mapping/${NODE_IFACE}`)) ?? '').includes('node-app'));
    const c = await zkClient(zk.address);
    try {
      assert.deepEqual(await zkChildren(c, '/services/node-app'), [`127.0.0.1:${port}`]);
      assert.equal((await zkChildren(c, `/dubbo/${NODE_IFACE}/providers`)).length, 1);
    } finally {
      c.close();
    }
    const instance = parseCuratorInstance((await zkRead(`/services/node-app/127.0.0.1:${port}`))!, 'node-app');
    assert.equal(instance.port, port);
    const revision = revisionOf(instance);
    assert.equal(revision, applicationMetadata(ferry.sidecar.runtime().config, '127.0.0.1', port).revision);

    const forced = await consumer(jars.jar33, 'FORCE_APPLICATION');
    t.diagnostic(`3.3 FORCE_APPLICATION: ${forced.ms} ms`);
    assertCalled(forced, '3.3 FORCE_APPLICATION');
    const iface = await consumer(jars.jar33, 'FORCE_INTERFACE');
    assertCalled(iface, '3.3 FORCE_INTERFACE');
    const old = await consumer(jars.jar32, 'FORCE_APPLICATION');
    t.diagnostic(`3.2 FORCE_APPLICATION: ${old.ms} ms`);
    assertCalled(old, '3.2 FORCE_APPLICATION');
  });
  // a graceful stop removes the instance (the mapping stays, as Java leaves it)
  const c = await zkClient(zk.address);
  try {
    assert.deepEqual(await zkChildren(c, '/services/node-app'), []);
  } finally {
    c.close();
  }
});

test('registerMode instance: only app-level records; a FORCE_APPLICATION consumer calls, FORCE_INTERFACE finds nothing', async () => {
  await withFerry({ application: 'node-app-inst', registerMode: 'instance' }, async (ferry) => {
    const port = dubboServer(ferry.sidecar).port;
    const c = await zkClient(zk.address);
    try {
      assert.deepEqual(await zkChildren(c, '/services/node-app-inst'), [`127.0.0.1:${port}`]);
      const providers = await zkChildren(c, `/dubbo/${NODE_IFACE}/providers`).catch(() => []);
      assert.deepEqual(providers, []);
    } finally {
      c.close();
    }
    assertCalled(await consumer(jars.jar33, 'FORCE_APPLICATION'), '3.3 FORCE_APPLICATION, instance only');
    const iface = await consumer(jars.jar33, 'FORCE_INTERFACE');
    assert.notEqual(iface.code, 0, 'a FORCE_INTERFACE consumer must not find an instance-only provider');
  });
});

test('registerMode interface: no application-level records (Dubbo 2 style)', async () => {
  await withFerry({ application: 'node-app-iface', registerMode: 'interface' }, async () => {
    const c = await zkClient(zk.address);
    try {
      assert.deepEqual(await zkChildren(c, '/services/node-app-iface').catch(() => []), []);
    } finally {
      c.close();
    }
    assert.ok(!parseMapping((await zkRead(`/dubbo/mapping/${NODE_IFACE}`)) ?? '').includes('node-app-iface'));
  });
});
