import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../../src/config/load.js';
import { envOverrides } from '../../../src/config/env.js';
import { DEFAULT_PORT } from '@ferry/sdk/contract';

function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, 'test.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

test('an empty config gets every default', () => {
  const config = parseConfig('', 'empty');
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.listen.port, DEFAULT_PORT);
  assert.equal(config.defaults.timeoutMs, 3000);
  assert.equal(config.defaults.retries, 2);
  assert.equal(config.limits.bodyBytes, 4 * 1024 * 1024);
  assert.deepEqual(config.services, {});
  assert.equal(config.tracing.enabled, false);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.listen));
});

test('a bad config is refused with messages that name the path', () => {
  const issues = issuesOf(`
services:
  orders:
    protocol: http
    endpoints: ["not a url", "http://ok:80"]
    timeoutMs: -5
  pay:
    protocol: carrier-pigeon
  users:
    protocol: dubbo
    registry: nowhere
    interface: com.example.UserService
listen: { port: 99999, colour: blue }
`);
  assert.ok(issues.includes('services.orders.endpoints[0]: not a URL'), issues.join('\n'));
  assert.ok(issues.includes('services.orders.timeoutMs: must be >= 1, got -5'), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('services.pay.protocol: expected one of http, dubbo, jsonrpc, grpc')), issues.join('\n'));
  assert.ok(issues.includes('listen.port: must be <= 65535, got 99999'), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('listen.colour: unknown option')), issues.join('\n'));
});

test('cross-references are checked once the sections are valid', () => {
  const issues = issuesOf(`
services:
  users: { protocol: dubbo, registry: nowhere, interface: com.example.UserService }
`);
  assert.deepEqual(issues, ['services.users.registry: no registry named "nowhere" (known: none)']);
});

test('protocol-specific requirements', () => {
  const http = issuesOf('services: { a: { protocol: http } }');
  assert.ok(http.includes('services.a.endpoints: required for protocol http (or a registry and an app)'));
  assert.ok(issuesOf('services: { g: { protocol: grpc, endpoints: ["h:1"] } }').includes('services.g.proto: required for protocol grpc'));
  assert.ok(
    issuesOf('services: { d: { protocol: dubbo, endpoints: ["h:1"] } }').includes('services.d.interface: required for protocol dubbo'),
  );
  assert.ok(
    issuesOf('services: { d: { protocol: dubbo, endpoints: ["nohost"], interface: x.Y } }').includes(
      'services.d.endpoints[0]: not host:port',
    ),
  );
});

test('registries by type: eureka finds http/jsonrpc services by app and registers the app; zookeeper finds interfaces', () => {
  const config = parseConfig(
    `
application: orders-app
registries:
  eu: { type: eureka, serviceUrls: ["http://e1:8761/eureka/", "http://e2:8761/eureka/"], username: u, password: p }
  zk: { address: "127.0.0.1:2181" }
services:
  orders: { protocol: http, registry: eu, app: SPRING-ORDERS }
  calc: { protocol: jsonrpc, registry: eu, app: calc, path: /rpc }
inbound:
  app: { url: "http://127.0.0.1:8080", register: [eu], health: { path: /actuator/health } }
`,
    'eureka.yaml',
  );
  type Instance = { renewalIntervalMs: number; leaseDurationMs: number; unhealthyStatus: string };
  const eu = config.registries.eu as unknown as { refreshMs: number; instance: Instance };
  assert.equal(eu.refreshMs, 30_000);
  assert.equal(eu.instance.renewalIntervalMs, 30_000);
  assert.equal(eu.instance.leaseDurationMs, 90_000);
  assert.equal(eu.instance.unhealthyStatus, 'DOWN');
  assert.equal(config.services.orders!.app, 'SPRING-ORDERS');
  assert.deepEqual(config.inbound.app.health, {
    follow: true,
    path: '/actuator/health',
    intervalMs: 5000,
    timeoutMs: 2000,
    failureThreshold: 3,
    successThreshold: 2,
  });

  const issues = issuesOf(`
registries:
  eu: { type: eureka, serviceUrls: ["ftp://x"], refreshMs: 100, instance: { renewalIntervalMs: 5000, leaseDurationMs: 5000 } }
`);
  assert.deepEqual(issues.sort(), [
    'registries.eu.instance.leaseDurationMs: must exceed renewalIntervalMs',
    'registries.eu.refreshMs: must be >= 500, got 100',
    'registries.eu.serviceUrls[0]: not a URL with scheme http or https',
  ]);
  const base = 'registries: { eu: { type: eureka, serviceUrls: ["http://e:8761/eureka/"] }, zk: { address: "h:2181" } }\n';
  assert.deepEqual(issuesOf(`${base}services: { a: { protocol: http, registry: eu } }`), [
    'services.a.app: required to find an http service in a registry (its application name)',
  ]);
  assert.deepEqual(issuesOf(`${base}services: { a: { protocol: jsonrpc, registry: eu, interface: x.Y } }`), [
    'services.a.app: required: registry "eu" (eureka) finds services by application name',
  ]);
  assert.deepEqual(issuesOf(`${base}services: { a: { protocol: http, registry: zk, app: A } }`), [
    'services.a.app: registry "zk" (zookeeper) finds services by interface, not by app',
  ]);
  assert.deepEqual(issuesOf(`${base}services: { d: { protocol: dubbo, registry: eu, interface: x.Y, app: A } }`), [
    'services.d.app: protocol dubbo is found by interface; app is for http and jsonrpc services',
  ]);
  assert.deepEqual(issuesOf(`${base}inbound: { app: { register: [zk, nope] } }`), [
    'inbound.app.register[0]: registry "zk" (zookeeper) does not register apps (only Dubbo providers: inbound.dubbo.registry)',
    'inbound.app.register[1]: no registry named "nope" (known: eu, zk)',
  ]);
  assert.deepEqual(issuesOf('inbound: { app: { health: { intervalMs: 1000, timeoutMs: 2000 } } }'), [
    'inbound.app.health.timeoutMs: must not exceed intervalMs',
  ]);
});

test('YAML syntax errors are reported, not thrown raw', () => {
  const issues = issuesOf('services: [unclosed');
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /not valid YAML/);
});

test('file → FERRY_* env → flags, later wins', () => {
  const yaml = 'listen: { port: 1000 }\nservices: { a: { protocol: http, endpoints: ["http://x:1"], timeoutMs: 100 } }';
  const env = { FERRY_LISTEN__PORT: '2000', FERRY_SERVICES__A__TIMEOUT_MS: '250', FERRY_LOG__LEVEL: 'debug' };
  const fromEnv = parseConfig(yaml, 't', env);
  assert.equal(fromEnv.listen.port, 2000);
  assert.equal(fromEnv.services.a!.timeoutMs, 250);
  assert.equal(fromEnv.log.level, 'debug');
  const fromFlags = parseConfig(yaml, 't', env, { listen: { port: '3000' } });
  assert.equal(fromFlags.listen.port, 3000);
  assert.equal(fromFlags.services.a!.name, 'a');
});

test('env names map to config paths', () => {
  assert.deepEqual(
    envOverrides({ FERRY_ADMIN__PORT: '1', FERRY_PROPAGATION__HEADERS: 'a,b', OTHER: 'x', FERRY_CONFIG: 'f.yaml' }, [
      'admin',
      'propagation',
    ]),
    {
      admin: { port: '1' },
      propagation: { headers: 'a,b' },
    },
  );
  assert.deepEqual(parseConfig('', 't', { FERRY_PROPAGATION__HEADERS: 'authorization, x-b-*' }).propagation.headers, [
    'authorization',
    'x-b-*',
  ]);
});

test('FERRY_* variables that name no config section are not config (the SDK\'s, the injector\'s): Ferry starts', () => {
  const env = {
    FERRY_URL: 'http://127.0.0.1:4140',
    FERRY_API_TOKEN: 's3cret',
    FERRY_POD_IP: '10.1.2.3',
    FERRY_CONFIG: '/etc/ferry/ferry.yaml',
    FERRY_TEST_LOG: 'silent',
    FERRY_LISTEN__PORT: '5000',
  };
  const config = parseConfig('', 't', env);
  assert.equal(config.listen.port, 5000);
  assert.equal(config.advertiseHost, '10.1.2.3');
  assert.deepEqual(
    issuesOf('', { FERRY_LISTEN__PROT: '1' }),
    ['listen.prot: unknown option (known: host, port, allowedHosts)'],
    'a typo inside a section is still refused',
  );
});

test('bad env values are refused with the same path messages', () => {
  assert.ok(issuesOf('', { FERRY_LISTEN__PORT: 'eighty' }).includes('listen.port: expected a number, got string "eighty"'));
});

test('inbound.<protocol> is its plug-in\'s section: ' +
  'the Dubbo fields come from the Dubbo plug-in, the core has only inbound.app', async () => {
  const { PROTOCOLS } = await import('../../../src/protocols/index.js');
  const dubboInbound = 'inbound: { dubbo: { registry: zk, services: [] } }\nregistries: { zk: { address: "zk:2181" } }';
  const config = parseConfig(dubboInbound, 'test.yaml', { FERRY_INBOUND__DUBBO__PORT: '20990' });
  const defaults = { enabled: true, heartbeatMs: 60_000, exceptionClasses: [], registerMode: 'all' };
  assert.deepEqual(config.inbound.dubbo, { ...defaults, port: 20990, registry: 'zk', services: [] });
  assert.deepEqual(issuesOf('inbound: { dubbo: { prot: 1 } }'), [
    'inbound.dubbo.prot: unknown option ' +
      '(known: enabled, host, port, token, registry, registerMode, services, heartbeatMs, exceptionClasses, classes)',
  ]);
  assert.deepEqual(issuesOf('inbound: { dubbo: { registry: nowhere } }'), ['inbound.dubbo.registry: no registry named "nowhere"']);
  // a build without the Dubbo plug-in has no inbound.dubbo at all
  const withoutDubbo = PROTOCOLS.filter((p) => p.name !== 'dubbo');
  assert.throws(
    () => parseConfig('inbound: { dubbo: { port: 1 } }', 'test.yaml', {}, {}, process.cwd(), withoutDubbo),
    /inbound\.dubbo: unknown option \(known: app\)/,
  );
});
