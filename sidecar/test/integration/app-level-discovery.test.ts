/**
 * Ferry as a consumer of Dubbo 3 application-level ("instance") discovery in ZooKeeper, end to end against real
 * Java Dubbo 3.3 (and one 3.2) providers: `register-mode=instance` (only `/services/{app}` + the mapping; Ferry
 * asks its MetadataService), `all` (both ways: one endpoint, not two), a Triple app found by instance. The
 * `discovery` mode per registry and per service (the service's wins); endpoint parameters as on the
 * interface-level path; `providedBy` instead of the mapping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/triple/', import.meta.url));
const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const GREETING = 'com.example.ferry.api.GreetingService';
let zk: ZooKeeperServer;
let inst: JavaProvider;
let both: JavaProvider;
let tri: JavaProvider;
let inst32: JavaProvider;
let ferry: Sidecar;
let url: string;

async function start(name: string, jar: string, extraArgs: string[]): Promise<JavaProvider> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProvider({ jar, zkAddress: zk.address, name, extraArgs, timeoutMs: 120_000 });
    } catch (err) {
      // the free port was taken before the JVM bound it (busy machine)
      if (attempt === 3 || !/exited with|Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

before(async () => {
  const { jar33, jar32 } = await ensureJavaPeers();
  zk = await startZooKeeper();
  // one JVM at a time (a loaded 2-core machine)
  inst = await start('inst', jar33, ['--register-mode', 'instance', '--app', 'inst-app', '--weight', '30', '--token', 's3cret']);
  both = await start('both', jar33, ['--app', 'both-app', '--no-greeting']);
  tri = await start('tri', jar33, ['--protocol', 'tri', '--register-mode', 'instance', '--app', 'tri-app', '--no-greeting']);
  inst32 = await start('inst32', jar32, ['--register-mode', 'instance', '--app', 'inst32-app', '--no-greeting']);
  const dubbo = { protocol: 'dubbo', registry: 'zk', version: '1.0.0', retries: 0 };
  const svc = (extra: Record<string, unknown>) => JSON.stringify({ ...dubbo, interface: MATRIX, ...extra });
  const greet = (extra: Record<string, unknown>) => JSON.stringify({ ...dubbo, interface: GREETING, group: 'blue', ...extra });
  const config = parseConfig(
    `
listen: { port: 0 }
admin: { enabled: false }
registries:
  zk: { address: "${zk.address}", instancePollMs: 500 }
  zkiface: { address: "${zk.address}", discovery: interface, instancePollMs: 500 }
services:
  matrix: ${svc({})}
  matrix-instance: ${svc({ discovery: 'instance' })}
  matrix-interface: ${svc({ discovery: 'interface' })}
  matrix-provided-by: ${svc({ discovery: 'instance', providedBy: ['inst-app'] })}
  matrix32: ${svc({ discovery: 'instance', providedBy: ['inst32-app'] })}
  matrix-reg-interface: ${svc({ registry: 'zkiface' })}
  matrix-reg-interface-svc-auto: ${svc({ registry: 'zkiface', discovery: 'auto' })}
  greet: ${greet({})}
  greet-interface: ${greet({ discovery: 'interface' })}
  greeter:
    protocol: grpc
    registry: zk
    discovery: instance
    proto: [idl-greeter.proto]
    service: com.example.ferry.api.IdlGreeter
    timeoutMs: 5000
`,
    'app-level discovery test config',
    {},
    {},
    FIXTURES,
  );
  ferry = await createSidecar({ config, logger: createLogger(process.env.FERRY_TEST_LOG ?? 'silent') });
  url = `http://127.0.0.1:${(await ferry.start()).port}`;
});
after(async () => {
  await ferry?.close();
  await Promise.all([inst?.stop(), both?.stop(), tri?.stop(), inst32?.stop()]);
  await zk?.stop();
});

async function invoke(service: string, method: string, body: unknown) {
  const res = await fetch(`${url}/v1/invoke/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}
const ids = (service: string) => ferry.runtime().router.get(service)!.source.current().map((e) => e.id).sort();
const endpoint = (service: string, port: number) => ferry.runtime().router.get(service)!.source.current().find((e) => e.port === port);
const addr = (p: JavaProvider) => `127.0.0.1:${p.port}`;
/** The TypeMatrixService providers: two instance-only (3.3 and 3.2), one registered both ways. */
const all = () => [addr(inst), addr(both), addr(inst32)].sort();

test('a provider registered only at application level is called (was 503 NO_ENDPOINT); interface mode cannot see it', async () => {
  await eventually(async () => (await invoke('greet', 'greet', ['ferry'])).status === 200, 20_000, 200);
  assert.deepEqual(await invoke('greet', 'greet', ['ferry']), { status: 200, body: '[blue/1.0.0] Hello ferry' });
  const iface = await invoke('greet-interface', 'greet', ['ferry']);
  assert.equal(iface.status, 503, JSON.stringify(iface));
  assert.equal((iface.body as { code: string }).code, 'FERRY_ERR_NO_ENDPOINT');
});

test('auto: a provider registered both ways is one endpoint; instance-only and both-ways providers are all called', async () => {
  await eventually(() => ids('matrix').join() === all().join(), 20_000, 100);
  const seen = new Set<string>();
  await eventually(async () => {
    const r = await invoke('matrix', 'whoami', []);
    assert.equal(r.status, 200, JSON.stringify(r));
    seen.add(r.body as string);
    return seen.size === 3;
  }, 20_000, 0);
  assert.deepEqual([...seen].sort(), [`both:${both.port}`, `inst32:${inst32.port}`, `inst:${inst.port}`].sort());
});

test('the mode per registry and per service: the service wins', async () => {
  await eventually(() => ids('matrix-instance').length === 3 && ids('matrix-reg-interface-svc-auto').length === 3, 20_000, 100);
  assert.deepEqual(ids('matrix-instance'), all());
  assert.deepEqual(ids('matrix-interface'), [addr(both)]);
  assert.deepEqual(ids('matrix-reg-interface'), [addr(both)]);
  assert.deepEqual(ids('matrix-reg-interface-svc-auto'), all());
  // providedBy: these applications, not the mapping's (which lists both-app too)
  await eventually(() => ids('matrix-provided-by').length === 1, 20_000, 100);
  assert.deepEqual(ids('matrix-provided-by'), [addr(inst)]);
});

test('application-level endpoints carry what interface-level ones do: weight, token, version, methods, serialization', async () => {
  await eventually(() => endpoint('matrix-instance', inst.port) !== undefined, 20_000, 100);
  const ep = endpoint('matrix-instance', inst.port)!;
  assert.equal(ep.weight, 30);
  assert.equal(ep.params.token, 's3cret');
  assert.equal(ep.params.version, '1.0.0');
  assert.equal(ep.params.interface, MATRIX);
  assert.equal(ep.params.application, 'inst-app');
  assert.equal(ep.params.serialization, 'hessian2');
  assert.ok(ep.params.methods!.split(',').includes('whoami'));
  // the both-ways provider: the same parameters whichever record it was found by
  const a = endpoint('matrix-instance', both.port)!;
  const b = endpoint('matrix-interface', both.port)!;
  const keys = ['interface', 'version', 'methods', 'serialization', 'prefer.serialization', 'application', 'dubbo', 'release'];
  keys.push('weight', 'token');
  for (const k of keys) {
    assert.equal(a.params[k], b.params[k], k);
  }
  assert.equal(a.weight, b.weight);
  // the token reaches the provider (TokenFilter refuses calls without it)
  const r = await invoke('matrix-instance', 'echoString', ['tok']);
  assert.deepEqual(r, { status: 200, body: 'tok' });
});

test('a Dubbo 3.2 provider registered only at application level is called too', async () => {
  await eventually(async () => (await invoke('matrix32', 'whoami', [])).status === 200, 20_000, 200);
  assert.deepEqual(await invoke('matrix32', 'whoami', []), { status: 200, body: `inst32:${inst32.port}` });
});

test('a Triple app found at application level (tri://, MetadataService V2): the IDL service through the gRPC path', async () => {
  await eventually(async () => (await invoke('greeter', 'greet', 'warm-up')).status === 200, 20_000, 200);
  assert.deepEqual(ids('greeter'), [addr(tri)]);
  assert.deepEqual(await invoke('greeter', 'greet', 'ferry'), { status: 200, body: 'hello ferry from tri' });
});

test('a provider that stops leaves the list (watch on /services/{app}), the others keep serving', async () => {
  const { jar33 } = await ensureJavaPeers();
  const extra = await start('inst2', jar33, ['--register-mode', 'instance', '--app', 'inst2-app', '--no-greeting']);
  try {
    await eventually(() => ids('matrix').includes(addr(extra)), 20_000, 100);
    const t0 = Date.now();
    await extra.stop();
    await eventually(() => !ids('matrix').includes(addr(extra)), 10_000, 20);
    const ms = Date.now() - t0;
    assert.ok(ms < 10_000, `removal seen after ${ms} ms`);
  } finally {
    await extra.stop();
  }
  assert.deepEqual(ids('matrix'), all());
  assert.equal((await invoke('matrix', 'echoString', ['still'])).status, 200);
});
