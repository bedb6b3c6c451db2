import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointOf, parseApplications, reconcileHashCode, type EurekaInstance } from '../../../../src/discovery/eureka/instance.js';

const inst = (id: string, extra: Partial<EurekaInstance> = {}): EurekaInstance => ({
  instanceId: id,
  app: 'ORDERS',
  hostName: 'orders-1.local',
  ipAddr: '10.0.0.7',
  status: 'UP',
  port: { $: 8080, '@enabled': 'true' },
  securePort: { $: 443, '@enabled': 'false' },
  dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
  ...extra,
});

test('parseApplications: lists or single objects, app names upper-cased, the server hash kept', () => {
  const doc = {
    applications: {
      versions__delta: '3',
      apps__hashcode: 'DOWN_1_UP_1_',
      application: [
        { name: 'orders', instance: [inst('a'), inst('b', { status: 'DOWN' })] },
        { name: 'USERS', instance: inst('u') },
        { name: 'EMPTY' },
      ],
    },
  };
  const parsed = parseApplications(doc);
  assert.equal(parsed.hashCode, 'DOWN_1_UP_1_');
  assert.deepEqual([...parsed.apps.keys()], ['ORDERS', 'USERS', 'EMPTY']);
  assert.deepEqual(parsed.apps.get('ORDERS')!.map((i) => i.instanceId), ['a', 'b']);
  assert.equal(parsed.apps.get('USERS')!.length, 1);
  assert.deepEqual(parseApplications({ applications: { apps__hashcode: '', application: [] } }).apps.size, 0);
  assert.throws(() => parseApplications({ application: {} }), /not a Eureka applications document/);
});

test("reconcileHashCode: counts per status over every app, statuses in alphabetical order (Eureka's format)", () => {
  assert.equal(reconcileHashCode([]), '');
  assert.equal(
    reconcileHashCode([
      [inst('a'), inst('b', { status: 'DOWN' })],
      [inst('c'), inst('d', { status: 'OUT_OF_SERVICE' })],
    ]),
    'DOWN_1_OUT_OF_SERVICE_1_UP_2_',
  );
});

test('endpointOf: hostName (or ipAddr), https on an enabled secure port, zone and metadata in params, a JSON-RPC path', () => {
  const plain = endpointOf(inst('a', { metadata: { zone: 'z1', weight: '50', version: '2' } }))!;
  assert.equal(plain.address, 'http://orders-1.local:8080');
  assert.equal(plain.id, plain.address);
  assert.equal(plain.weight, 50);
  assert.deepEqual(plain.params, { zone: 'z1', weight: '50', version: '2', instanceId: 'a', app: 'ORDERS', status: 'UP' });

  assert.equal(endpointOf(inst('a'), { preferIpAddress: true })!.address, 'http://10.0.0.7:8080');
  const secure = endpointOf(inst('a', { securePort: { $: '8443', '@enabled': 'true' } }))!;
  assert.equal(secure.address, 'https://orders-1.local:8443');
  assert.equal(secure.port, 8443);

  const aws = endpointOf(
    inst('a', {
      dataCenterInfo: { '@class': 'com.netflix.appinfo.AmazonInfo', name: 'Amazon', metadata: { 'availability-zone': 'us-east-1a' } },
    }),
  )!;
  assert.equal(aws.params.zone, 'us-east-1a');

  assert.equal(endpointOf(inst('a'), { path: '/rpc' })!.address, 'http://orders-1.local:8080/rpc');
  assert.equal(endpointOf(inst('a', { ipAddr: '::1', hostName: '' }))!.address, 'http://[::1]:8080');
  const { port: _port, ...noPort } = inst('a');
  assert.equal(endpointOf(noPort), undefined);
});
