/**
 * Dubbo 3 application-level discovery readers against real Java Dubbo 3.3 providers in ZooKeeper: one
 * registered only at application level (`register-mode=instance`, MetadataService V1 over dubbo), one both
 * ways (`all`: the interface-level path must build the same endpoint), one on Triple (MetadataService V2).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { ZooKeeperSession } from '../../src/discovery/zookeeper/zk-client.js';
import { createZooKeeperSource } from '../../src/discovery/zookeeper/providers.js';
import { readAppInstances, readAppLevelEndpoints, readMapping, metadataReportFetcher } from '../../src/discovery/zookeeper/app-level.js';
import { RevisionCache, storageAwareFetcher } from '../../src/discovery/app-level/revisions.js';
import { metadataServiceFetcher } from '../../src/protocols/dubbo/metadata-service.js';
import { mergeEndpoints } from '../../src/discovery/app-level/endpoints.js';
import { revisionOf } from '../../src/discovery/app-level/instance.js';
import { createAppLevelSource, mergedSource } from '../../src/discovery/app-level/source.js';
import { eventually } from '../support/helpers.js';
import type { ZooKeeperConfig } from '../../src/discovery/zookeeper/schema.js';
import type { Endpoint } from '../../src/discovery/types.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const IDL = 'com.example.ferry.api.IdlGreeter';
let zk: ZooKeeperServer;
let registry: ZooKeeperConfig;
let session: ZooKeeperSession;
let instanceOnly: JavaProvider;
let both: JavaProvider;
let triple: JavaProvider;
let start: (name: string, extraArgs: string[]) => Promise<JavaProvider>;

before(async () => {
  const { jar33 } = await ensureJavaPeers();
  zk = await startZooKeeper();
  registry = {
    type: 'zookeeper',
    address: zk.address,
    root: '/dubbo',
    sessionTimeoutMs: 10000,
    connectTimeoutMs: 5000,
    discovery: 'auto',
    instancePollMs: 5000,
  };
  // one JVM at a time: three starting together on a loaded 2-core machine took over a minute
  start = async (name: string, extraArgs: string[]): Promise<JavaProvider> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startProvider({
          jar: jar33,
          zkAddress: zk.address,
          name,
          extraArgs: [...extraArgs, '--no-greeting'],
          timeoutMs: 120_000,
        });
      } catch (err) {
        // the free port was taken before the JVM bound it (an outgoing connection's ephemeral port, on a busy machine)
        if (attempt === 3 || !/exited with|Address already in use/.test((err as Error).message)) throw err;
      }
    }
  };
  instanceOnly = await start('inst', ['--register-mode', 'instance', '--app', 'inst-app', '--weight', '30']);
  both = await start('both', ['--app', 'both-app']);
  triple = await start('tri', ['--protocol', 'tri', '--app', 'tri-app']);
  session = new ZooKeeperSession(zk.address, { sessionTimeoutMs: 10000 }).retain();
});
after(async () => {
  await session?.close();
  await Promise.all([instanceOnly?.stop(), both?.stop(), triple?.stop()]);
  await zk?.stop();
});

const cache = () =>
  new RevisionCache({ fetch: storageAwareFetcher(metadataServiceFetcher(), metadataReportFetcher(session, '/dubbo')), timeoutMs: 5000 });
const byId = (eps: readonly Endpoint[]) => new Map(eps.map((e) => [e.id, e]));

test('mapping and instances as Java writes them', async () => {
  assert.deepEqual((await readMapping(session, '/dubbo', MATRIX)).sort(), ['both-app', 'inst-app', 'tri-app']);
  assert.deepEqual(await readMapping(session, '/dubbo', IDL), ['tri-app']);
  assert.deepEqual(await readMapping(session, '/dubbo', 'no.Such'), []);
  const [inst] = await readAppInstances(session, 'inst-app');
  assert.equal(inst!.host, '127.0.0.1');
  assert.equal(inst!.port, instanceOnly.port);
  assert.match(revisionOf(inst!)!, /^[0-9a-f]{32}$/);
  assert.deepEqual(await readAppInstances(session, 'no-such-app'), []);
});

test('a provider registered only at application level is found (MetadataService V1 over dubbo)', async () => {
  const eps = await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] }, cache(), [
    'inst-app',
  ]);
  assert.deepEqual(eps.map((e) => e.id), [`127.0.0.1:${instanceOnly.port}`]);
  const ep = eps[0]!;
  assert.equal(ep.weight, 30);
  assert.equal(ep.params.interface, MATRIX);
  assert.equal(ep.params.version, '1.0.0');
  assert.equal(ep.params.application, 'inst-app');
  assert.equal(ep.params.serialization, 'hessian2');
  assert.ok(ep.params.methods!.split(',').includes('echoString'));
  // through the mapping: all dubbo providers of the interface; the version filter applies
  const all = await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] }, cache());
  assert.deepEqual(all.map((e) => e.id).sort(), [`127.0.0.1:${both.port}`, `127.0.0.1:${instanceOnly.port}`].sort());
  assert.deepEqual(
    await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '9.9.9', protocols: ['dubbo'] }, cache()),
    [],
  );
});

test('a provider registered both ways: the same endpoint from either path, merged into one', async () => {
  const iface = createZooKeeperSource(registry, { interface: MATRIX, version: '1.0.0', protocol: 'dubbo', session });
  try {
    await iface.ready();
    const interfaceLevel = iface.current();
    // the instance-only provider is invisible to the interface-level path: the gap this closes
    assert.deepEqual(interfaceLevel.map((e) => e.id), [`127.0.0.1:${both.port}`]);
    const appLevel = await readAppLevelEndpoints(
      session,
      '/dubbo',
      { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] },
      cache(),
      ['both-app'],
    );
    const a = byId(appLevel).get(`127.0.0.1:${both.port}`)!;
    const b = interfaceLevel[0]!;
    assert.equal(a.address, b.address);
    assert.equal(a.weight, b.weight);
    for (const k of ['interface', 'version', 'methods', 'serialization', 'prefer.serialization', 'application', 'dubbo', 'release'])
      assert.equal(a.params[k], b.params[k], k);
    assert.deepEqual(mergeEndpoints(appLevel, interfaceLevel).map((e) => e.id), [`127.0.0.1:${both.port}`]);
  } finally {
    await iface.close();
  }
});

test('a Triple app: MetadataService V2 over gRPC; tri:// endpoints for the IDL and the plain interface', async () => {
  const c = cache();
  const idl = await readAppLevelEndpoints(session, '/dubbo', { interface: IDL, protocols: ['tri'] }, c);
  assert.deepEqual(idl.map((e) => e.id), [`127.0.0.1:${triple.port}`]);
  assert.equal(idl[0]!.params.methods, 'fail,greet,square');
  const plain = await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '1.0.0', protocols: ['tri'] }, c);
  assert.deepEqual(plain.map((e) => e.id), [`127.0.0.1:${triple.port}`]);
});

test('an instance whose MetadataService cannot be reached yields no endpoint, and is not asked again at once', async () => {
  let calls = 0;
  const failing = new RevisionCache({
    fetch: () => {
      calls++;
      return Promise.reject(new Error('refused'));
    },
    failureTtlMs: 60_000,
  });
  assert.deepEqual(
    await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] }, failing, ['inst-app']),
    [],
  );
  assert.deepEqual(
    await readAppLevelEndpoints(session, '/dubbo', { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] }, failing, ['inst-app']),
    [],
  );
  assert.equal(calls, 1);
});

test('the application-level source follows instances: a stopped provider leaves the list within the poll bound; ' +
  'auto merges both ways into one endpoint each', async () => {
  const filter = { interface: MATRIX, version: '1.0.0', protocols: ['dubbo'] };
  const c = cache();
  const read = async () =>
    (await Promise.all((await readMapping(session, '/dubbo', MATRIX)).map((a) => readAppInstances(session, a)))).flat();
  const app = createAppLevelSource({ read, cache: c, filter, intervalMs: 300 });
  const iface = createZooKeeperSource(registry, { interface: MATRIX, version: '1.0.0', protocol: 'dubbo', session });
  const auto = mergedSource(app, iface);
  let extra: JavaProvider | undefined;
  try {
    await auto.ready();
    const base = [`127.0.0.1:${both.port}`, `127.0.0.1:${instanceOnly.port}`].sort();
    await eventually(() => auto.current().map((e) => e.id).join() === base.join(), 10_000);
    extra = await start('inst2', ['--register-mode', 'instance', '--app', 'inst2-app']);
    await eventually(() => auto.current().some((e) => e.port === extra!.port), 15_000);
    const t0 = Date.now();
    await extra.stop();
    await eventually(() => !auto.current().some((e) => e.port === extra!.port), 5_000, 20);
    const seenAfter = Date.now() - t0;
    assert.ok(seenAfter < 5_000, `removal seen after ${seenAfter} ms`);
    assert.equal(auto.current().map((e) => e.id).join(), base.join());
    extra = undefined;
  } finally {
    await auto.close();
    await extra?.stop();
  }
});
