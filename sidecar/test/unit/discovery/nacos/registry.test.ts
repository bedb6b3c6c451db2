/**
 * The `type: nacos` registry's pure parts: its config schema (defaults, auth, addresses), `app:` on HTTP and
 * JSON-RPC services, and how Nacos instances become endpoints (the peers are in integration/nacos-*.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/config/load.js';
import { httpEndpoint } from '../../../../src/discovery/nacos/source.js';
import { providerMetadata } from '../../../../src/discovery/nacos/create.js';
import { metadataDataId } from '../../../../src/discovery/nacos/metadata.js';
import { parseInstanceList } from '../../../../src/discovery/nacos/http-v1.js';

const problems = (yaml: string): string => {
  try {
    parseConfig(yaml, 't.yaml');
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

test('registries.<name>.type: nacos: defaults, address list from a comma string or a list', () => {
  const c = parseConfig('registries: { n: { type: nacos, address: "10.0.0.1:8848, http://10.0.0.2:8848/nacos" } }', 't');
  assert.deepEqual(c.registries.n, {
    type: 'nacos',
    address: ['10.0.0.1:8848', 'http://10.0.0.2:8848/nacos'],
    namespace: '',
    group: 'DEFAULT_GROUP',
    pollIntervalMs: 2000,
    requestTimeoutMs: 3000,
    discovery: 'auto',
  });
  const l = parseConfig('registries: { n: { type: nacos, address: [a:1, b:2], namespace: dev, group: G, username: u, password: p } }', 't');
  assert.deepEqual(
    [l.registries.n!.address, l.registries.n!.namespace, l.registries.n!.group, l.registries.n!.username],
    [['a:1', 'b:2'], 'dev', 'G', 'u'],
  );
});

test('nacos config errors name the path', () => {
  assert.match(problems('registries: { n: { type: nacos } }'), /registries\.n\.address/);
  assert.match(
    problems('registries: { n: { type: nacos, address: "not an address" } }'),
    /registries\.n\.address\[0\]: expected host:port/,
  );
  assert.match(problems('registries: { n: { type: nacos, address: "a:1", password: p } }'), /registries\.n\.password: needs username/);
  assert.match(
    problems('registries: { n: { type: nacos, address: "a:1", username: u, accessToken: t } }'),
    /registries\.n\.accessToken: give either/,
  );
  assert.match(problems('registries: { n: { type: nacos, address: "a:1", pollIntervalMs: 10 } }'), /registries\.n\.pollIntervalMs/);
  assert.match(
    problems('registries: { n: { type: nacos, address: "a:1", discovery: app } }'),
    /registries\.n\.discovery: expected one of interface, instance, auto/,
  );
  assert.match(problems('registries: { n: { type: nacos, address: "a:1", root: /x } }'), /registries\.n\.root: unknown option/);
});

test('HTTP and JSON-RPC services by registry name: app names the Nacos service', () => {
  const reg = 'registries: { n: { type: nacos, address: "a:1" } }\n';
  const c = parseConfig(
    `${reg}services: { o: { protocol: http, registry: n, app: orders }, r: { protocol: jsonrpc, registry: n, app: calc, path: /rpc } }`,
    't',
  );
  assert.equal((c.services.o as { app?: string }).app, 'orders');
  assert.equal((c.services.r as { app?: string }).app, 'calc');
  assert.match(problems(`${reg}services: { o: { protocol: http, registry: n } }`), /services\.o\.app: required/);
  assert.match(
    problems(`${reg}services: { o: { protocol: http, registry: n, app: x, endpoints: ["http://a:1"] } }`),
    /services\.o\.registry: give endpoints or a registry/,
  );
  assert.match(problems(`${reg}services: { r: { protocol: jsonrpc, registry: n } }`), /services\.r\.interface: required .*app/);
});

test('a Nacos instance found by name is an HTTP endpoint; https when its metadata says secure; weights scaled to 100', () => {
  const [plain, secure] = parseInstanceList(
    JSON.stringify({
      hosts: [
        { ip: '10.0.0.1', port: 8080, weight: 1, metadata: {} },
        { ip: 'fe80::1', port: 8443, weight: 0.5, healthy: true, metadata: { secure: 'true' } },
      ],
    }),
  );
  assert.deepEqual(httpEndpoint(plain!), {
    id: '10.0.0.1:8080',
    address: 'http://10.0.0.1:8080',
    host: '10.0.0.1',
    port: 8080,
    weight: 100,
    params: {},
  });
  assert.deepEqual([httpEndpoint(secure!).address, httpEndpoint(secure!).weight], ['https://[fe80::1]:8443', 50]);
});

test("Ferry's provider records in Nacos carry what Java consumers read (NacosRegistry layout)", () => {
  const m = providerMetadata({
    scheme: 'dubbo',
    host: '10.0.0.1',
    port: 20880,
    interface: 'com.example.Api',
    params: { version: '1.0.0', methods: 'a,b' },
  });
  assert.deepEqual(m, { version: '1.0.0', methods: 'a,b', category: 'providers', protocol: 'dubbo', path: 'com.example.Api' });
  assert.equal(metadataDataId({ interface: 'com.example.Api', application: 'app' }), 'com.example.Api:::provider:app');
  assert.equal(
    metadataDataId({ interface: 'com.example.Api', version: '1.0.0', group: 'g', application: 'app' }),
    'com.example.Api:1.0.0:g:provider:app',
  );
});
