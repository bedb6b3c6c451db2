/**
 * Ferry against a Java provider on Apache Dubbo 3.2.x left at Dubbo's default serialization settings (3.2 prefers
 * fastjson2: `prefer.serialization=fastjson2,hessian2` in its URL). Ferry always sends serialization id 2; the
 * frames, seen by a decoding proxy, prove the provider answers in hessian2 (id 2) too. Also: Ferry's heartbeats
 * on an idle connection answered by Java, the read-only event Java sends on a graceful stop, and the golden
 * requests re-encoded by Ferry accepted by 3.2. One ZooKeeper, one provider JVM.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';
import { startZooKeeper, waitForDubboUrls, dubboUrlParams, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { decodeEvent } from '../../src/protocols/dubbo/codec.js';
import { decodeRequestBody } from '../../src/protocols/dubbo/body.js';
import { javaUrlEncode } from '../../src/discovery/zookeeper/dubbo-url.js';
import { postJson, sleep, startSniffer, type Answer, type Sniffer } from '../support/dubbo-helpers.js';
import { CLASSES, USER, fixtureManifest, replayTypedRequests } from '../support/dubbo-fixtures.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const METHODS = {
  echoLong: { parameterTypes: ['long'] },
  echoString: { parameterTypes: ['java.lang.String'] },
  echoBigDecimal: { parameterTypes: ['java.math.BigDecimal'] },
  echoDate: { parameterTypes: ['java.util.Date'] },
  echoLocalDateTime: { parameterTypes: ['java.time.LocalDateTime'] },
  echoInstant: { parameterTypes: ['java.time.Instant'] },
  echoUser: { parameterTypes: [USER], returns: USER },
  echoMap: { parameterTypes: ['java.util.Map<java.lang.String,java.lang.Long>'] },
  getUser: { parameterTypes: ['long'] },
  whoami: { parameterTypes: [] },
};

let zk: ZooKeeperServer;
let provider: JavaProvider;
let providerUrl: string;
let sniffer: Sniffer;
let ferry: TestSidecar;

before(async () => {
  const jars = await ensureJavaPeers();
  zk = await startZooKeeper({ tickTime: 500 });
  provider = await startProvider({
    jar: jars.jar32,
    zkAddress: zk.address,
    name: 'p32',
    extraArgs: ['--serialization', 'default', '--no-greeting'],
  });
  providerUrl = (await waitForDubboUrls(zk.address, MATRIX)).find((u) => u.includes(`:${provider.port}/`))!;
  // the provider's own URL re-published with a frame-decoding proxy's port under a second root
  sniffer = await startSniffer(provider.port);
  const c = await zkClient(zk.address);
  await new Promise<void>((res, rej) => c.mkdirp(`/sniffed/${MATRIX}/providers`, (e) => (e ? rej(e) : res())));
  await new Promise<void>((res, rej) =>
    c.create(`/sniffed/${MATRIX}/providers/${javaUrlEncode(providerUrl.replace(`:${provider.port}/`, `:${sniffer.port}/`))}`, (e) =>
      e ? rej(e) : res(),
    ),
  );
  c.close();
  const svc = (extra: Record<string, unknown>) => ({
    protocol: 'dubbo',
    registry: 'sniffed',
    interface: MATRIX,
    version: '1.0.0',
    retries: 0,
    methods: METHODS,
    classes: CLASSES,
    ...extra,
  });
  ferry = await startSidecar(
    [
      `registries: ${JSON.stringify({ sniffed: { address: zk.address, root: '/sniffed', sessionTimeoutMs: 5000 } })}`,
      `services: ${JSON.stringify({ generic: svc({}), typed: svc({ invocation: 'typed' }), idle: svc({ heartbeatMs: 200 }) })}`,
    ].join('\n'),
  );
  await eventually(() => ferry.sidecar.state.ready, 10000);
});

after(async () => {
  await ferry?.close();
  await provider?.stop();
  await sniffer?.close();
  await zk?.stop();
});

const invoke = (svc: string, method: string, args: unknown[]): Promise<Answer> => postJson(`${ferry.url}/v1/invoke/${svc}/${method}`, args);

test('the Dubbo 3.2 provider registers with its default serialization preference (fastjson2 first)', () => {
  assert.match(provider.dubboVersion, /^3\.2\./);
  const q = dubboUrlParams(providerUrl);
  assert.equal(q['prefer.serialization'], 'fastjson2,hessian2', providerUrl);
  assert.equal(q.serialization, undefined, providerUrl);
  assert.equal(q.release, provider.dubboVersion);
});

test('Ferry sends hessian2 (id 2) and the 3.2 provider answers with id 2: typed and generic calls round-trip', async () => {
  const user = {
    id: '9223372036854775807',
    name: 'Zoë 😀',
    age: 30,
    tags: ['a'],
    color: 'RED',
    birthday: '2001-02-03T04:05:06.789Z',
    balance: '0.000000000000000000000000000001',
    attributes: { k: 'v' },
  };
  const cases: Array<[string, unknown[], unknown]> = [
    ['echoLong', ['-9223372036854775808'], '-9223372036854775808'],
    ['echoString', ['héllo 世界 😀'], 'héllo 世界 😀'],
    ['echoBigDecimal', ['123456789012345678901234567890.5'], '123456789012345678901234567890.5'],
    ['echoDate', ['2023-11-14T22:13:20.123Z'], '2023-11-14T22:13:20.123Z'],
    ['echoLocalDateTime', ['2024-02-29T13:45:30.123456789'], '2024-02-29T13:45:30.123456789'],
    ['echoInstant', ['2023-11-14T22:13:20.123456789Z'], '2023-11-14T22:13:20.123456789Z'],
    ['echoUser', [user], { ...user, balance: '1E-30' }],
    ['echoMap', [{ a: '9007199254740993' }], { a: '9007199254740993' }],
  ];
  const before = sniffer.frames.length;
  for (const svc of ['generic', 'typed']) {
    for (const [method, args, expected] of cases) {
      const r = await invoke(svc, method, args);
      assert.equal(r.status, 200, `${svc} ${method}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, expected, `${svc} ${method}`);
    }
    const ex = await invoke(svc, 'getUser', [404]);
    assert.equal(ex.status, 502);
    assert.equal(ex.body.upstream.exceptionClass, 'com.example.ferry.api.UserNotFoundException');
  }
  const frames = sniffer.frames.slice(before).filter((f) => !f.event);
  const requests = frames.filter((f) => f.dir === 'c2s');
  const responses = frames.filter((f) => f.dir === 's2c');
  assert.equal(requests.length, 2 * (cases.length + 1));
  assert.equal(responses.length, requests.length);
  assert.deepEqual([...new Set(frames.map((f) => f.serializationId))], [2], 'every frame both ways is hessian2');
  assert.ok(responses.every((f) => f.status === 20));
  assert.ok(requests.some((f) => decodeRequestBody(f.body).method === '$invoke'));
  assert.ok(requests.some((f) => decodeRequestBody(f.body).method === 'echoUser'));
});

test(
  'golden requests re-encoded by Ferry are accepted by the 3.2 provider too',
  { skip: !fixtureManifest() && 'no golden frames' },
  async () => {
    const results = await replayTypedRequests(provider.port);
    assert.ok(results.length >= 20);
    for (const r of results) assert.deepEqual(r.got, r.expected, r.call);
  },
);

test('an idle connection: Ferry sends heartbeats (heartbeatMs 200) and Java answers each with the same id', async () => {
  assert.equal((await invoke('idle', 'whoami', [])).status, 200);
  const conn = sniffer.frames.filter((f) => !f.event && f.dir === 'c2s').at(-1)!.connection;
  await sleep(900);
  const events = () => sniffer.frames.filter((f) => f.connection === conn && f.event);
  const pings = events().filter((f) => f.dir === 'c2s' && f.request && f.twoWay && decodeEvent(f).kind === 'heartbeat');
  assert.ok(pings.length >= 2, `${pings.length} heartbeats sent`);
  // the last ping may have left just now: give its answer a moment on a loaded machine
  const answered = (p: (typeof pings)[number]) =>
    events().some(
      (q) =>
        q.dir === 's2c' && !q.request && decodeEvent(q).kind === 'heartbeat' && q.id === p.id && q.status === 20 && q.serializationId === 2,
    );
  await eventually(() => pings.every(answered), 3000).catch(() => undefined);
  for (const p of pings) assert.ok(answered(p), `heartbeat ${p.id} answered`);
  assert.equal((await invoke('idle', 'whoami', [])).status, 200, 'the connection is still good');
});

test('graceful stop: the 3.2 provider sends the read-only event (in fastjson2!) on Ferry\'s connection before it goes', async () => {
  const before = sniffer.frames.length;
  const l = Array.from({ length: 3 }, () => invoke('typed', 'whoami', []));
  await Promise.all(l);
  await provider.stop();
  const after = sniffer.frames.slice(before);
  const readonly = after.filter((f) => f.dir === 's2c' && f.event && f.request && decodeEvent(f).kind === 'readonly');
  assert.ok(readonly.length >= 1, 'read-only event seen');
  // a 3.2 provider at its defaults writes the events it starts in fastjson2 (id 23), whatever Ferry speaks:
  // Ferry's decodeEvent understands that form (it ignored it before)
  assert.deepEqual([...new Set(readonly.map((f) => f.serializationId))], [23]);
  assert.equal(readonly[0]!.body.toString('hex'), '000000024a52');
  // nothing left to call: the provider unregistered and closed
  const r = await invoke('typed', 'whoami', []);
  assert.ok(r.status >= 500, JSON.stringify(r.body));
});
