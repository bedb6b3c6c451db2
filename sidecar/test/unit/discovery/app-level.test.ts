import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCuratorInstance, parseMapping, mappingPath, metadataReportPath } from '../../../src/discovery/zookeeper/app-level.js';
import { metadataServiceOf, protocolPorts, revisionOf, storageTypeOf } from '../../../src/discovery/app-level/instance.js';
import { parseMetadataInfo } from '../../../src/discovery/app-level/metadata-info.js';
import { appLevelEndpoints, mergeEndpoints } from '../../../src/discovery/app-level/endpoints.js';
import { RevisionCache } from '../../../src/discovery/app-level/revisions.js';

// as Dubbo 3.3.6 writes it (examples/dubbo-java provider, register-mode instance)
const NODE = JSON.stringify({
  name: 'inst-app',
  id: '127.0.0.1:37749',
  address: '127.0.0.1',
  port: 37749,
  sslPort: null,
  payload: {
    '@class': 'org.apache.dubbo.registry.zookeeper.ZookeeperInstance',
    id: '127.0.0.1:37749',
    name: 'inst-app',
    metadata: {
      'dubbo.endpoints': '[{"port":37749,"protocol":"dubbo"},{"port":50051,"protocol":"tri"}]',
      'dubbo.metadata-service.url-params': '{"version":"1.0.0","port":"37749","protocol":"dubbo"}',
      'dubbo.metadata.revision': 'd2ac1293718f893be44fbe588496a8ea',
      'dubbo.metadata.storage-type': 'local',
      'meta-v': '1.0.0',
    },
  },
  registrationTimeUTC: 1796169473174,
  serviceType: 'DYNAMIC',
  uriSpec: null,
});

test('ZooKeeper paths and mapping', () => {
  assert.equal(mappingPath('/dubbo', 'a.B'), '/dubbo/mapping/a.B');
  assert.equal(metadataReportPath('/dubbo/', 'app', 'r1'), '/dubbo/metadata/app/r1');
  assert.deepEqual(parseMapping(' app-a, app-b,,app-a ,bad/name'), ['app-a', 'app-b']);
});

test('Curator instance JSON and its Dubbo metadata', () => {
  const i = parseCuratorInstance(NODE, 'x');
  assert.equal(i.app, 'inst-app');
  assert.equal(i.host, '127.0.0.1');
  assert.equal(revisionOf(i), 'd2ac1293718f893be44fbe588496a8ea');
  assert.equal(storageTypeOf(i), 'local');
  assert.deepEqual([...protocolPorts(i)], [['dubbo', 37749], ['tri', 50051]]);
  const ms = metadataServiceOf(i)!;
  assert.deepEqual([ms.protocol, ms.port, ms.version], ['dubbo', 37749, '1.0.0']);
  assert.throws(() => parseCuratorInstance('{"address":"h","port":0}', 'x'));
  assert.throws(() => parseCuratorInstance('[]', 'x'));
});

test('MetadataInfo → endpoints: filter, per-protocol port, merge with interface-level', () => {
  const i = parseCuratorInstance(NODE, 'x');
  const info = parseMetadataInfo({
    app: 'inst-app',
    revision: 'd2ac1293718f893be44fbe588496a8ea',
    services: {
      'a.B:1.0.0:dubbo': {
        name: 'a.B',
        version: '1.0.0',
        protocol: 'dubbo',
        port: 37749,
        path: 'a.B',
        params: { methods: 'x,y', weight: '30', serialization: 'hessian2' },
      },
      'a.B:1.0.0:tri': { name: 'a.B', version: '1.0.0', protocol: 'tri', port: 50051, params: {} },
      'g/a.B:2.0.0:dubbo': { name: 'a.B', group: 'g', version: '2.0.0', protocol: 'dubbo', params: {} },
      bad: { protocol: 'dubbo' },
    },
  });
  assert.equal(info.services.length, 3);
  const infos = new Map([[info.revision, info]]);
  const eps = appLevelEndpoints([i], infos, { interface: 'a.B', version: '1.0.0', protocols: ['dubbo'] });
  assert.deepEqual(eps.map((e) => [e.id, e.weight, e.params.methods, e.params.application]), [['127.0.0.1:37749', 30, 'x,y', 'inst-app']]);
  assert.deepEqual(
    appLevelEndpoints([i], infos, { interface: 'a.B', version: '1.0.0', protocols: ['tri'] }).map((e) => e.id),
    ['127.0.0.1:50051'],
  );
  assert.deepEqual(
    appLevelEndpoints([i], infos, { interface: 'a.B', version: '2.0.0', group: 'g', protocols: ['dubbo'] }).map((e) => e.id),
    ['127.0.0.1:37749'],
  );
  assert.deepEqual(appLevelEndpoints([i], new Map(), { interface: 'a.B', version: '1.0.0' }), []);
  const other = { ...eps[0]!, id: '10.0.0.1:1', params: {} };
  assert.deepEqual(
    mergeEndpoints(eps, [{ ...eps[0]!, params: {} }, other]).map((e) => [e.id, e.params.methods]),
    [
      ['10.0.0.1:1', undefined],
      ['127.0.0.1:37749', 'x,y'],
    ],
  );
  assert.throws(() => parseMetadataInfo({ services: {} }));
});

test('revision cache: one fetch per revision, single-flight, failures not retried at once', async () => {
  const i = parseCuratorInstance(NODE, 'x');
  let calls = 0;
  const cache = new RevisionCache({
    fetch: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { app: 'inst-app', revision: revisionOf(i)!, services: [] };
    },
  });
  const [a, b] = await Promise.all([cache.resolve([i, { ...i, port: 2 }]), cache.resolve([i])]);
  assert.equal(a.size, 1);
  assert.equal(b.size, 1);
  await cache.resolve([i]);
  assert.equal(calls, 1);
  let fails = 0;
  const failing = new RevisionCache({ fetch: () => Promise.reject(new Error(String(++fails))), failureTtlMs: 50 });
  assert.equal((await failing.resolve([i, { ...i, host: 'h2' }])).size, 0);
  assert.equal(fails, 2); // both instances of the revision tried
  await failing.resolve([i]);
  assert.equal(fails, 2);
  await new Promise((r) => setTimeout(r, 60));
  await failing.resolve([i]);
  assert.equal(fails, 3);
});

test('Ferry as a provider: MetadataInfo, revision, instance record, and its MetadataService answer read back', async () => {
  const { buildMetadataInfo, instanceMetadata, curatorInstanceJson } = await import('../../../src/discovery/app-level/publish.js');
  const { metadataServiceAnswer } = await import('../../../src/protocols/dubbo/server/metadata-service.js');
  const { encodeResponseBody, decodeResponseBody } = await import('../../../src/protocols/dubbo/body.js');
  const { fromJava } = await import('../../../src/protocols/hessian/index.js');
  const url = {
    protocol: 'dubbo',
    host: '10.0.0.5',
    port: 20880,
    path: 'com.example.NodeApp',
    params: { interface: 'com.example.NodeApp', version: '1.0.0', methods: 'a,b', pid: '1', timestamp: '2' },
  };
  const info = buildMetadataInfo('node-app', [url]);
  assert.match(info.revision, /^[0-9a-f]{32}$/);
  assert.equal(
    buildMetadataInfo('node-app', [{ ...url, params: { ...url.params, pid: '9', timestamp: '9' } }]).revision,
    info.revision,
    'pid/timestamp do not change the revision',
  );
  assert.notEqual(buildMetadataInfo('node-app', [{ ...url, params: { ...url.params, methods: 'a' } }]).revision, info.revision);
  const instance = parseCuratorInstance(curatorInstanceJson('node-app', '10.0.0.5', 20880, instanceMetadata(info, 20880)), 'node-app');
  assert.equal(revisionOf(instance), info.revision);
  assert.deepEqual(
    [metadataServiceOf(instance)!.protocol, metadataServiceOf(instance)!.port, metadataServiceOf(instance)!.version],
    ['dubbo', 20880, '1.0.0'],
  );

  const answer = metadataServiceAnswer('getMetadataInfo', [info.revision], info)!;
  const decoded = decodeResponseBody(encodeResponseBody({ kind: 'value', value: answer.value }, true));
  assert.equal(decoded.kind, 'value');
  const back = parseMetadataInfo(fromJava((decoded as { value: unknown }).value, undefined, { generic: true }));
  assert.equal(back.revision, info.revision);
  assert.deepEqual(
    back.services.map((s) => [s.name, s.version, s.protocol, s.port, s.params.methods]),
    [['com.example.NodeApp', '1.0.0', 'dubbo', 20880, 'a,b']],
  );
  assert.equal(metadataServiceAnswer('getMetadataInfo', ['other'], info)!.value, null);
  assert.equal(metadataServiceAnswer('getMetadataURL', [], info), undefined);
});
