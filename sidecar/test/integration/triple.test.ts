/**
 * Triple against a real Java Dubbo 3.3 provider (`--protocol tri`), found as a `tri://` provider in ZooKeeper:
 * a protobuf-typed service through Ferry's gRPC path (`protocol: grpc` or `triple` with a proto), and a
 * plain-Java-interface service through Triple's HTTP/JSON mode (`protocol: triple`), on the uniform invoke route.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { eventually } from '../support/helpers.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/triple/', import.meta.url));
let zk: ZooKeeperServer;
let provider: JavaProvider;
let ferry: Sidecar;
let url: string;

before(async () => {
  const { jar33 } = await ensureJavaPeers();
  zk = await startZooKeeper();
  provider = await startProvider({
    jar: jar33,
    zkAddress: zk.address,
    name: 'tri-1',
    extraArgs: ['--protocol', 'tri', '--app', 'tri-app', '--no-greeting'],
  });
  const config = parseConfig(
    `
listen: { port: 0 }
admin: { enabled: false }
defaults: { retries: 0 }
propagation: { headers: [x-tenant-id] }
registries:
  zk: { address: "${zk.address}" }
services:
  greeter:
    protocol: grpc
    registry: zk
    proto: [idl-greeter.proto]
    service: com.example.ferry.api.IdlGreeter
    timeoutMs: 5000
  greeter-tri:
    protocol: triple
    registry: zk
    proto: [idl-greeter.proto]
    service: com.example.ferry.api.IdlGreeter
  matrix:
    protocol: triple
    registry: zk
    interface: com.example.ferry.api.TypeMatrixService
    version: 1.0.0
`,
    'triple test config',
    {},
    {},
    FIXTURES,
  );
  ferry = await createSidecar({ config, logger: createLogger(process.env.FERRY_TEST_LOG ?? 'silent') });
  url = `http://127.0.0.1:${(await ferry.start()).port}`;
  // discovery runs in the background: wait until the provider is known
  await eventually(
    async () => (await invoke('greet', 'warm-up')).status === 200 && (await invoke('whoami', [], {}, 'matrix')).status === 200,
    15_000,
  );
});
after(async () => {
  await ferry?.close();
  await provider?.stop();
  await zk?.stop();
});

async function invoke(method: string, body: unknown, headers: Record<string, string> = {}, service = 'greeter') {
  const res = await fetch(`${url}/v1/invoke/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

test('protobuf-IDL Triple service through the gRPC path, ' +
  'provider found as tri:// in ZooKeeper; headers arrive as attachments', async () => {
  assert.deepEqual(await invoke('greet', 'ferry', { 'x-tenant-id': 't-42' }), { status: 200, body: 'hello ferry from tri-1 for t-42' });
  // int64 wrapper: proto3 JSON writes it as a string
  assert.deepEqual(await invoke('square', '3000000000'), { status: 200, body: '9000000000000000000' });
});

test('a Java exception and an unknown method come back as Ferry errors', async () => {
  const failed = await invoke('fail', 'boom');
  assert.equal((failed.body as { code: string }).code, 'FERRY_ERR_GRPC_UNKNOWN', JSON.stringify(failed));
  assert.match(JSON.stringify(failed.body), /boom/);
  const unknown = await invoke('nope', 'x');
  assert.equal(unknown.status, 404, JSON.stringify(unknown));
});

test('protocol triple with a proto is the same IDL call (tri-* metadata from version/group)', async () => {
  assert.deepEqual(await invoke('greet', 'tri', {}, 'greeter-tri'), { status: 200, body: 'hello tri from tri-1' });
});

test('plain-Java-interface Triple service over HTTP/JSON: arguments, POJOs, exact longs and decimals, attachments', async () => {
  const m = (method: string, args: unknown, headers: Record<string, string> = {}) => invoke(method, args, headers, 'matrix');
  assert.deepEqual(await m('echoString', ['ferry']), { status: 200, body: 'ferry' });
  assert.deepEqual(await m('whoami', []), { status: 200, body: `tri-1:${provider.port}` });
  // one parameter: Dubbo takes the whole body as the argument (a wrapped [n] was int-truncated by 3.3.6)
  assert.deepEqual(await m('echoLong', [123456789012]), { status: 200, body: 123456789012 });
  assert.deepEqual(await m('echoLong', ['9007199254740993']), { status: 200, body: '9007199254740993' });
  assert.deepEqual(await m('maxLong', []), { status: 200, body: '9223372036854775807' });
  assert.deepEqual(await m('addLong', ['9007199254740993', 1]), { status: 200, body: '9007199254740994' });
  assert.deepEqual(await m('echoBigDecimal', ['19.90']), { status: 200, body: '19.90' });
  assert.deepEqual(await m('echoUsers', [[{ id: 1, name: 'a' }]]), { status: 200, body: [{ age: 0, id: 1, name: 'a' }] });
  assert.deepEqual(await m('echoSet', [['a', 'b']]), { status: 200, body: ['a', 'b'] });
  const att = await m('attachments', [], { 'x-tenant-id': 't-7' });
  assert.equal((att.body as Record<string, string>)['x-tenant-id'], 't-7');
});

test('plain-interface Triple errors: a Java exception, an unknown method, arguments the provider cannot read', async () => {
  const m = (method: string, args: unknown) => invoke(method, args, {}, 'matrix');
  const ex = await m('getUser', [404]);
  assert.equal(ex.status, 502);
  assert.equal((ex.body as { code: string }).code, 'FERRY_ERR_UPSTREAM_EXCEPTION');
  assert.match((ex.body as { message: string }).message, /user 404 not found/);
  const unknown = await m('nope', []);
  assert.equal((unknown.body as { code: string }).code, 'FERRY_ERR_METHOD_NOT_FOUND');
  const bad = await m('echoInt', ['not a number']);
  assert.equal(bad.status, 502, JSON.stringify(bad));
});
