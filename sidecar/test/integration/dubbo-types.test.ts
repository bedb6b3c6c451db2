/**
 * Ferry's HTTP API → real Java Dubbo 3.3 provider (examples/dubbo-java, found through a real ZooKeeper): every
 * type of TypeMatrixService round-trips exactly, generic and typed invocation, overloads, void, null, exceptions,
 * timeouts, group/version routing, the provider's token, Ferry under /consumers, the ad-hoc route, attachment
 * propagation. One ZooKeeper and one provider JVM for the whole file (the provider requires a token, so every
 * passing call also proves Ferry sends the token it read from the provider URL).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';
import { startZooKeeper, listDubboUrls, waitForDubboUrls, dubboUrlParams, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { decodeRequestBody } from '../../src/protocols/dubbo/body.js';
import { javaUrlEncode } from '../../src/discovery/zookeeper/dubbo-url.js';
import { postJson, startSniffer, type Answer, type Sniffer } from '../support/dubbo-helpers.js';
import { sampleUser } from '../support/java-samples.js';
import { CLASSES, ORDER, USER, replayTypedRequests, fixtureManifest } from '../support/dubbo-fixtures.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const GREETING = 'com.example.ferry.api.GreetingService';
const COLOR = 'com.example.ferry.api.Color';
const TOKEN = 's3cret-token';

/** Every TypeMatrixService method by name: parameter types (and return type where JSON needs it). */
const METHODS: Record<string, { parameterTypes: string[]; returns?: string; timeoutMs?: number }> = {
  echoInt: { parameterTypes: ['int'] },
  echoLong: { parameterTypes: ['long'], returns: 'long' },
  echoInteger: { parameterTypes: ['java.lang.Integer'] },
  echoLongBoxed: { parameterTypes: ['java.lang.Long'] },
  echoDouble: { parameterTypes: ['double'] },
  echoBoolean: { parameterTypes: ['boolean'] },
  echoString: { parameterTypes: ['java.lang.String'] },
  echoBigDecimal: { parameterTypes: ['java.math.BigDecimal'] },
  echoBigInteger: { parameterTypes: ['java.math.BigInteger'] },
  echoDate: { parameterTypes: ['java.util.Date'] },
  echoLocalDate: { parameterTypes: ['java.time.LocalDate'], returns: 'java.time.LocalDate' },
  echoLocalDateTime: { parameterTypes: ['java.time.LocalDateTime'], returns: 'java.time.LocalDateTime' },
  echoInstant: { parameterTypes: ['java.time.Instant'], returns: 'java.time.Instant' },
  echoColor: { parameterTypes: [COLOR], returns: COLOR },
  echoUser: { parameterTypes: [USER], returns: USER },
  echoOrder: { parameterTypes: [ORDER], returns: ORDER },
  echoUsers: { parameterTypes: [`java.util.List<${USER}>`], returns: `java.util.List<${USER}>` },
  echoSet: { parameterTypes: ['java.util.Set<java.lang.String>'] },
  echoMap: {
    parameterTypes: ['java.util.Map<java.lang.String,java.lang.Long>'],
    returns: 'java.util.Map<java.lang.String,java.lang.Long>',
  },
  echoBytes: { parameterTypes: ['byte[]'], returns: 'byte[]' },
  echoObject: { parameterTypes: ['java.lang.Object'] },
  typeOf: { parameterTypes: ['java.lang.Object'] },
  nullUser: { parameterTypes: [], returns: USER },
  maxLong: { parameterTypes: [], returns: 'long' },
  addLong: { parameterTypes: ['long', 'long'], returns: 'long' },
  addInt: { parameterTypes: ['int', 'int'] },
  makeUser: { parameterTypes: ['long', 'java.lang.String'], returns: USER },
  echo: { parameterTypes: ['java.lang.String'] },
  record: { parameterTypes: ['java.lang.String'] },
  recordCount: { parameterTypes: ['java.lang.String'] },
  getUser: { parameterTypes: ['long'], returns: USER },
  illegal: { parameterTypes: ['java.lang.String'] },
  sleep: { parameterTypes: ['long'], timeoutMs: 300 },
  whoami: { parameterTypes: [] },
  attachments: { parameterTypes: [] },
};

let zk: ZooKeeperServer;
let provider: JavaProvider;
let ferry: TestSidecar;
/** A frame-decoding proxy in front of the provider, registered under a second ZooKeeper root (/sniffed). */
let sniffer: Sniffer;

const svc = (extra: Record<string, unknown>) => ({
  protocol: 'dubbo',
  registry: 'zk',
  interface: MATRIX,
  version: '1.0.0',
  retries: 0,
  timeoutMs: 5000,
  ...extra,
});

before(async () => {
  const jars = await ensureJavaPeers();
  zk = await startZooKeeper({ tickTime: 500 });
  provider = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'types', extraArgs: ['--token', TOKEN] });
  // the provider's own URL (token and all), re-published with the sniffer's port under another registry root
  sniffer = await startSniffer(provider.port);
  const real = (await waitForDubboUrls(zk.address, MATRIX)).find((u) => u.includes(`:${provider.port}/`))!;
  const c = await zkClient(zk.address);
  await new Promise<void>((res, rej) => c.mkdirp(`/sniffed/${MATRIX}/providers`, (e) => (e ? rej(e) : res())));
  await new Promise<void>((res, rej) =>
    c.create(`/sniffed/${MATRIX}/providers/${javaUrlEncode(real.replace(`:${provider.port}/`, `:${sniffer.port}/`))}`, (e) =>
      e ? rej(e) : res(),
    ),
  );
  c.close();
  const services = {
    matrix: svc({ methods: METHODS }),
    // no methods declared: the parameter types come from the provider's published metadata
    matrixByMetadata: svc({}),
    matrixClasses: svc({ methods: METHODS, classes: CLASSES }),
    matrixTyped: svc({ methods: METHODS, classes: CLASSES, invocation: 'typed' }),
    echoStringInt: svc({ methods: { echo: { parameterTypes: ['java.lang.String', 'int'] } } }),
    echoUserOverload: svc({ methods: { echo: { parameterTypes: [USER] } }, classes: CLASSES }),
    echoStringIntTyped: svc({ invocation: 'typed', methods: { echo: { parameterTypes: ['java.lang.String', 'int'] } } }),
    echoUserOverloadTyped: svc({ invocation: 'typed', methods: { echo: { parameterTypes: [USER] } }, classes: CLASSES }),
    greetBlue1: {
      protocol: 'dubbo',
      registry: 'zk',
      interface: GREETING,
      version: '1.0.0',
      group: 'blue',
      methods: { greet: { parameterTypes: ['java.lang.String'] } },
    },
    greetGreen2: {
      protocol: 'dubbo',
      registry: 'zk',
      interface: GREETING,
      version: '2.0.0',
      group: 'green',
      methods: { greet: { parameterTypes: ['java.lang.String'] } },
    },
    greetBlue2Typed: {
      protocol: 'dubbo',
      registry: 'zk',
      interface: GREETING,
      version: '2.0.0',
      group: 'blue',
      invocation: 'typed',
      methods: { greet: { parameterTypes: ['java.lang.String'] } },
    },
    sniffed: { ...svc({ methods: METHODS, classes: CLASSES }), registry: 'sniffed' },
    bare: svc({}),
    bareTyped: svc({ invocation: 'typed' }),
    greetAnyGroup: {
      protocol: 'dubbo',
      registry: 'zk',
      interface: GREETING,
      version: '2.0.0',
      group: '*',
      loadBalancer: 'roundrobin',
      methods: { greet: { parameterTypes: ['java.lang.String'] } },
    },
    greetNoGroup: {
      protocol: 'dubbo',
      registry: 'zk',
      interface: GREETING,
      version: '1.0.0',
      methods: { greet: { parameterTypes: ['java.lang.String'] } },
    },
  };
  ferry = await startSidecar(
    [
      'application: ferry-dubbo-types-test',
      'limits: { dubboPayloadBytes: 1048576 }',
      `adhoc: { enabled: true, registries: [zk], endpoints: ["127.0.0.1:${provider.port}"] }`,
      `registries: ${JSON.stringify({
        zk: { address: zk.address, sessionTimeoutMs: 5000 },
        sniffed: { address: zk.address, root: '/sniffed', sessionTimeoutMs: 5000 },
      })}`,
      `propagation: ${JSON.stringify({ headers: ['x-tenant-id', 'x-user-*'] })}`,
      `services: ${JSON.stringify(services)}`,
    ].join('\n'),
  );
  // like an app that waits for /readyz: every service's discovery has answered
  await eventually(() => ferry.sidecar.state.ready, 10000);
});

after(async () => {
  await ferry?.close();
  await sniffer?.close();
  await provider?.stop();
  await zk?.stop();
});

function invoke(service: string, method: string, args: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return postJson(`${ferry.url}/v1/invoke/${service}/${method}`, args, headers);
}

function adhoc(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  return postJson(`${ferry.url}/v1/dubbo/invoke`, { registry: 'zk', ...body }, headers);
}

async function ok(service: string, method: string, args: unknown, headers?: Record<string, string>): Promise<unknown> {
  const r = await invoke(service, method, args, headers);
  assert.equal(r.status, 200, `${service}.${method}(${JSON.stringify(args)}) → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const sampleOrder = () => ({
  id: 7,
  buyer: sampleUser(42, 'Alice'),
  lines: [
    { sku: 'sku-1', quantity: 2, price: '9.99' },
    { sku: 'sku-2', quantity: 1, price: '100.00' },
  ],
});

/** [method, JSON args, expected JSON answer] — every echo must answer exactly what was sent. */
const MATRIX_CASES: Array<[string, unknown[], unknown]> = [
  ['echoInt', [-7], -7],
  ['echoInt', [2147483647], 2147483647],
  ['echoLong', ['9223372036854775807'], '9223372036854775807'],
  ['echoLong', ['-9223372036854775808'], '-9223372036854775808'],
  ['echoLong', [9007199254740991], 9007199254740991],
  ['echoLong', ['9007199254740993'], '9007199254740993'],
  ['echoInteger', [123], 123],
  ['echoInteger', [null], null],
  ['echoLongBoxed', [5], 5],
  ['echoLongBoxed', ['-9223372036854775808'], '-9223372036854775808'],
  ['echoDouble', [3.5], 3.5],
  ['echoDouble', [0.1], 0.1],
  ['echoDouble', [-1e300], -1e300],
  ['echoBoolean', [true], true],
  ['echoBoolean', [false], false],
  ['echoString', ['héllo 世界 😀'], 'héllo 世界 😀'],
  ['echoString', [''], ''],
  ['echoString', [null], null],
  ['echoBigDecimal', ['123456789012345678901.123456789'], '123456789012345678901.123456789'],
  ['echoBigDecimal', ['-0.000000000000000000000000000001'], '-1E-30'],
  ['echoBigDecimal', ['100.00'], '100.00'],
  ['echoBigInteger', ['123456789012345678901234567890'], '123456789012345678901234567890'],
  ['echoBigInteger', ['-98765432109876543210987654321098765432'], '-98765432109876543210987654321098765432'],
  ['echoBigInteger', ['0'], '0'],
  ['echoDate', ['2023-11-14T22:13:20.123Z'], '2023-11-14T22:13:20.123Z'],
  ['echoDate', ['1969-12-31T23:59:59.999Z'], '1969-12-31T23:59:59.999Z'],
  ['echoDate', ['2023-11-14T22:13:00.000Z'], '2023-11-14T22:13:00.000Z'],
  ['echoLocalDate', ['2024-02-29'], '2024-02-29'],
  ['echoLocalDateTime', ['2024-02-29T13:45:30.123'], '2024-02-29T13:45:30.123'],
  ['echoLocalDateTime', ['2024-02-29T13:45:30.123456789'], '2024-02-29T13:45:30.123456789'],
  ['echoLocalDateTime', ['2024-02-29T13:45'], '2024-02-29T13:45'],
  ['echoInstant', ['2023-11-14T22:13:20.123Z'], '2023-11-14T22:13:20.123Z'],
  ['echoInstant', ['2023-11-14T22:13:20.123456789Z'], '2023-11-14T22:13:20.123456789Z'],
  ['echoColor', ['BLUE'], 'BLUE'],
  ['echoColor', [null], null],
  ['echoUser', [sampleUser(42, 'Alice')], sampleUser(42, 'Alice')],
  ['echoUser', [sampleUser('9223372036854775807', 'Max')], sampleUser('9223372036854775807', 'Max')],
  ['echoOrder', [sampleOrder()], sampleOrder()],
  ['echoUsers', [[sampleUser(42, 'Alice'), sampleUser(43, 'Bob')]], [sampleUser(42, 'Alice'), sampleUser(43, 'Bob')]],
  ['echoUsers', [[]], []],
  ['echoMap', [{ a: 1, big: '9223372036854775807', neg: -5 }], { a: 1, big: '9223372036854775807', neg: -5 }],
  ['echoBytes', [Buffer.from([0, 1, 2, 127, 128, 255]).toString('base64')], Buffer.from([0, 1, 2, 127, 128, 255]).toString('base64')],
  ['echoBytes', [''], ''],
  ['echoObject', [{ k: 'v', n: 1, list: [1, 'x', true] }], { k: 'v', n: 1, list: [1, 'x', true] }],
  ['echoObject', ['just a string'], 'just a string'],
  ['echoObject', [null], null],
  ['nullUser', [], null],
  ['maxLong', [], '9223372036854775807'],
  ['addLong', ['9223372036854775806', 1], '9223372036854775807'],
  ['addInt', [40, 2], 42],
  ['makeUser', [7, 'Eve'], sampleUser(7, 'Eve')],
  ['echo', ['x'], 'echo(String):x'],
];

/** Sets come back in the provider's HashSet order: compare as sets. */
async function checkSet(service: string): Promise<void> {
  const got = (await ok(service, 'echoSet', [['x', 'y', 'z']])) as string[];
  assert.deepEqual([...got].sort(), ['x', 'y', 'z']);
}

for (const service of ['matrixClasses', 'matrixTyped']) {
  test(`type matrix round-trips exactly through ${service === 'matrixTyped' ? 'typed' : 'generic'} invocation`, async () => {
    const failures: string[] = [];
    for (const [method, args, expected] of MATRIX_CASES) {
      const r = await invoke(service, method, args);
      if (r.status !== 200) failures.push(`${method}(${JSON.stringify(args)}) → ${r.status} ${JSON.stringify(r.body)}`);
      else if (!isDeepEqual(r.body, expected))
        failures.push(`${method}(${JSON.stringify(args)}) → ${JSON.stringify(r.body)}, expected ${JSON.stringify(expected)}`);
    }
    await checkSet(service);
    assert.deepEqual(failures, []);
  });
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

test('no classes: declared: the provider\'s metadata (Dubbo 3 ServiceDefinition in ZooKeeper) gives the POJO field types', async () => {
  // `matrix` declares methods but no classes: User.birthday (java.util.Date) would reach PojoUtils.realize as an ISO
  // string, which it cannot parse ("yyyy-MM-dd HH:mm:ss" only); Ferry reads the field types from the metadata instead
  assert.deepEqual(await ok('matrix', 'echoUser', [sampleUser(42, 'Alice')]), sampleUser(42, 'Alice'));
  assert.deepEqual(await ok('matrix', 'echoOrder', [sampleOrder()]), sampleOrder());
  assert.equal(await ok('matrix', 'echoDate', ['2023-11-14T22:13:20.123Z']), '2023-11-14T22:13:20.123Z');
  // a Java type can always be forced in the JSON: {"$class": …, "$": …}
  const tagged = { ...sampleUser(42, 'Alice'), birthday: { $class: 'java.util.Date', $: '1990-05-17T00:00:00.000Z' } };
  assert.deepEqual(await ok('matrix', 'echoUser', [tagged]), sampleUser(42, 'Alice'));
  assert.equal(await ok('matrix', 'typeOf', [{ $class: 'java.lang.Long', $: '9223372036854775807' }]), 'java.lang.Long');
});

test('no methods: declared at all: parameter and return types come from the provider\'s metadata (generic and typed)', async () => {
  for (const service of ['bare', 'bareTyped']) {
    for (const [method, args, expected] of MATRIX_CASES.filter(([m]) => m !== 'echo')) {
      const r = await invoke(service, method, args);
      assert.equal(r.status, 200, `${service}.${method}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, expected, `${service}.${method}`);
    }
    // overloads: the argument count decides when it can; two one-parameter echo()s need parameterTypes
    assert.equal(await ok(service, 'echo', ['ab', 2]), 'echo(String,int):abab');
    const ambiguous = await invoke(service, 'echo', ['x']);
    assert.equal(ambiguous.status, 400);
    assert.match(
      ambiguous.body.message,
      /overloaded.*\(java\.lang\.String\).*give parameterTypes|overloaded.*\(com\.example\.ferry\.api\.User\).*give parameterTypes/,
    );
  }
  // ad hoc, without parameterTypes
  const r = await adhoc({ interface: MATRIX, version: '1.0.0', method: 'echoUser', args: [sampleUser(1, 'NoTypes')] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, sampleUser(1, 'NoTypes'));
});

test('what a JSON value becomes in Java (declared Object): typeOf', async () => {
  const cases: Array<[unknown, string]> = [
    [1, 'java.lang.Integer'],
    [2 ** 40, 'java.lang.Long'],
    [1.5, 'java.lang.Double'],
    ['s', 'java.lang.String'],
    [true, 'java.lang.Boolean'],
    [null, 'null'],
    [{ $class: 'java.math.BigDecimal', $: '1.10' }, 'java.math.BigDecimal'],
    [{ $class: 'java.util.Date', $: '2024-01-01T00:00:00Z' }, 'java.util.Date'],
  ];
  for (const service of ['matrixClasses', 'matrixTyped']) {
    for (const [value, expected] of cases)
      assert.equal(await ok(service, 'typeOf', [value]), expected, `${service} typeOf(${JSON.stringify(value)})`);
    assert.match(String(await ok(service, 'typeOf', [[1, 'x']])), /^java\.util\.ArrayList\[java\.lang\.Integer,java\.lang\.String\]$/);
    assert.match(String(await ok(service, 'typeOf', [{ a: 1 }])), /^java\.util\.HashMap\{a=java\.lang\.Integer\}$/);
  }
});

test('overloads are told apart by their declared parameterTypes (generic and typed)', async () => {
  for (const suffix of ['', 'Typed']) {
    assert.equal(await ok(`matrix${suffix === '' ? 'Classes' : 'Typed'}`, 'echo', ['x']), 'echo(String):x');
    assert.equal(await ok(`echoStringInt${suffix}`, 'echo', ['ab', 3]), 'echo(String,int):ababab');
    assert.equal(await ok(`echoUserOverload${suffix}`, 'echo', [sampleUser(1, 'Zed')]), 'echo(User):Zed');
  }
  // a lone JSON object is the argument of a one-parameter method
  assert.equal(await ok('echoUserOverload', 'echo', sampleUser(1, 'Solo')), 'echo(User):Solo');
  // one service, the overload named by its signature in the URL
  for (const service of ['matrixClasses', 'matrixTyped', 'bare']) {
    assert.equal(await ok(service, 'echo(java.lang.String)', ['x']), 'echo(String):x');
    assert.equal(await ok(service, encodeURIComponent('echo(java.lang.String, int)'), ['ab', 2]), 'echo(String,int):abab');
    assert.equal(await ok(service, 'echo(com.example.ferry.api.User)', [sampleUser(3, 'Sig')]), 'echo(User):Sig');
  }
  // ad hoc: the same three by parameterTypes
  for (const [parameterTypes, args, expected] of [
    [['java.lang.String'], ['x'], 'echo(String):x'],
    [['java.lang.String', 'int'], ['x', 2], 'echo(String,int):xx'],
    [[USER], [{ name: 'Adhoc' }], 'echo(User):Adhoc'],
  ] as const) {
    const r = await adhoc({ interface: MATRIX, version: '1.0.0', method: 'echo', parameterTypes, args });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body, expected);
  }
});

test('void methods answer null; one-way calls answer 202 and still run', async () => {
  for (const service of ['matrixClasses', 'matrixTyped']) {
    const key = `k-${service}`;
    assert.equal(await ok(service, 'record', [key]), null);
    const oneWay = await invoke(service, 'record', [key], { 'x-ferry-oneway': 'true' });
    assert.equal(oneWay.status, 202);
    await eventually(async () => (await ok(service, 'recordCount', [key])) === 2, 3000);
  }
});

test('business exception → 502 FERRY_ERR_UPSTREAM_EXCEPTION with the Java class; IllegalArgumentException likewise', async () => {
  for (const service of ['matrixClasses', 'matrixTyped']) {
    const r = await invoke(service, 'getUser', [404]);
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.code, 'FERRY_ERR_UPSTREAM_EXCEPTION');
    assert.equal(r.body.upstream.protocol, 'apache_dubbo');
    assert.equal(r.body.upstream.exceptionClass, 'com.example.ferry.api.UserNotFoundException');
    assert.equal(r.body.upstream.message, 'user 404 not found');
    assert.match(r.body.upstream.endpoint, /^127\.0\.0\.1:\d+$/);
    const i = await invoke(service, 'illegal', ['x']);
    assert.equal(i.status, 502, JSON.stringify(i.body));
    assert.equal(i.body.code, 'FERRY_ERR_UPSTREAM_EXCEPTION');
    assert.equal(i.body.upstream.exceptionClass, 'java.lang.IllegalArgumentException');
    assert.equal(i.body.upstream.message, 'bad argument: x');
    // and the method still works for good input
    assert.deepEqual(await ok(service, 'getUser', [42]), sampleUser(42, 'user-42'));
  }
});

test('wrong arguments are refused by Ferry before anything is sent (400)', async () => {
  const cases: Array<[string, unknown]> = [
    ['echoInt', [2147483648]],
    ['echoLong', [9007199254740993]], // already rounded by JSON.parse: must be a string
    ['echoLong', ['12x']],
    ['echoBigDecimal', ['1.2.3']],
    ['echoDate', ['yesterday']],
    ['echoLocalDate', ['2023-02-29']],
    ['echoBytes', ['not base64!']],
    ['echoInt', [1, 2]],
  ];
  for (const [method, args] of cases) {
    const r = await invoke('matrixClasses', method, args);
    assert.equal(r.status, 400, `${method}(${JSON.stringify(args)}) → ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'FERRY_ERR_BAD_ARGUMENTS');
  }
  // over the Dubbo payload limit (1 MiB here): refused by Ferry, the connection other calls share stays up
  const big = await invoke('matrixClasses', 'echoString', ['x'.repeat(1_100_000)]);
  assert.equal(big.status, 413, JSON.stringify(big.body).slice(0, 300));
  assert.equal(big.body.code, 'FERRY_ERR_PAYLOAD_TOO_LARGE');
  assert.equal(await ok('matrixClasses', 'echoString', ['y'.repeat(500_000)]), 'y'.repeat(500_000));
  const unknown = await invoke('matrixClasses', 'noSuchMethod', []);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'FERRY_ERR_METHOD_NOT_FOUND');
});

test('slow method → 504 at the configured timeout; the provider got the `timeout` attachment', async () => {
  const before = sniffer.frames.length;
  for (const service of ['matrixClasses', 'sniffed']) {
    const r = await invoke(service, 'sleep', [1500]);
    assert.equal(r.status, 504, JSON.stringify(r.body));
    assert.equal(r.body.code, 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.ok(r.ms >= 290 && r.ms < 900, `answered after ${r.ms} ms, timeoutMs is 300`);
  }
  // the app's x-ferry-timeout shortens it
  const short = await invoke('matrixClasses', 'sleep', [1500], { 'x-ferry-timeout-ms': '100' });
  assert.equal(short.status, 504);
  assert.ok(short.ms >= 95 && short.ms < 280, `${short.ms} ms`);
  // within the timeout: fine
  assert.equal(await ok('matrixClasses', 'sleep', [20]), 20);

  const sent = sniffer.frames.slice(before).filter((f) => f.dir === 'c2s' && !f.event).map((f) => decodeRequestBody(f.body));
  const call = sent.find((r) => r.args[0] === 'sleep');
  assert.ok(call, 'the sleep call went through the sniffer');
  assert.equal(call.method, '$invoke');
  const timeout = Number(call.attachments.timeout);
  assert.ok(timeout > 250 && timeout <= 300, `timeout attachment ${String(call.attachments.timeout)}`);
  assert.equal(call.attachments.token, TOKEN);
  assert.equal(call.attachments.generic, 'true');
  assert.equal(call.attachments.interface, MATRIX);
  assert.equal(call.attachments.version, '1.0.0');
});

test('the provider token is read from its URL and sent back; without it the provider refuses', async () => {
  const url = (await listDubboUrls(zk.address, MATRIX)).find((u) => u.includes(`:${provider.port}/`))!;
  assert.equal(dubboUrlParams(url).token, TOKEN);
  // through the registry: token sent (every other test passes because of it)
  assert.equal(await ok('matrixClasses', 'whoami', []), `types:${provider.port}`);
  // a direct endpoint knows no token: Dubbo's TokenFilter says no
  const r = await adhoc({
    interface: MATRIX,
    version: '1.0.0',
    method: 'whoami',
    parameterTypes: [],
    args: [],
    registry: undefined,
    endpoint: `127.0.0.1:${provider.port}`,
  });
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.match(r.body.message, /Invalid token/);
});

test('group/version routing: GreetingService 1.0.0/2.0.0 × blue/green', async () => {
  assert.equal(await ok('greetBlue1', 'greet', ['x']), '[blue/1.0.0] Hello x');
  assert.equal(await ok('greetGreen2', 'greet', ['y']), '[green/2.0.0] Hello y');
  assert.equal(await ok('greetBlue2Typed', 'greet', ['z']), '[blue/2.0.0] Hello z');
  // group "*": both exporters of version 2.0.0 (one host:port, two groups) are endpoints; round-robin alternates
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) seen.push(String(await ok('greetAnyGroup', 'greet', ['a'])));
  assert.deepEqual([...new Set(seen)].sort(), ['[blue/2.0.0] Hello a', '[green/2.0.0] Hello a']);
  assert.notEqual(seen[0], seen[1]);
  // no group configured: Java's matching rule finds no provider (all of them have a group)
  const none = await invoke('greetNoGroup', 'greet', ['x']);
  assert.equal(none.status, 503);
  assert.equal(none.body.code, 'FERRY_ERR_NO_ENDPOINT');
  // ad hoc with group and version
  for (const [group, version] of [['green', '1.0.0'], ['blue', '2.0.0']]) {
    const r = await adhoc({ interface: GREETING, version, group, method: 'greet', parameterTypes: ['java.lang.String'], args: ['adhoc'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body, `[${group}/${version}] Hello adhoc`);
  }
});

test('ad-hoc /v1/dubbo/invoke: registry lookup, POJO args, exceptions, attachments, bad requests', async () => {
  const user = await adhoc({
    interface: MATRIX,
    version: '1.0.0',
    method: 'makeUser',
    parameterTypes: ['long', 'java.lang.String'],
    args: ['9007199254740993', 'Big'],
  });
  assert.equal(user.status, 200, JSON.stringify(user.body));
  assert.equal(user.body.id, '9007199254740993');
  assert.equal(user.body.name, 'Big');
  assert.equal(user.body.birthday, '1990-05-17T00:00:00.000Z');
  const ex = await adhoc({ interface: MATRIX, version: '1.0.0', method: 'getUser', parameterTypes: ['long'], args: [0] });
  assert.equal(ex.status, 502);
  assert.equal(ex.body.upstream.exceptionClass, 'com.example.ferry.api.UserNotFoundException');
  const att = await adhoc({
    interface: MATRIX,
    version: '1.0.0',
    method: 'attachments',
    parameterTypes: [],
    args: [],
    attachments: { 'x-adhoc': 'yes' },
  });
  assert.equal(att.status, 200);
  assert.equal(att.body['x-adhoc'], 'yes');
  // wrong version: no provider
  const nov = await adhoc({ interface: MATRIX, version: '9.9.9', method: 'whoami', parameterTypes: [], args: [] });
  assert.equal(nov.status, 503);
  assert.equal(nov.body.code, 'FERRY_ERR_NO_ENDPOINT');
  // malformed bodies
  assert.equal((await adhoc({ method: 'x' })).status, 400);
  assert.equal((await adhoc({ interface: MATRIX, method: 'x', parameterTypes: 'long' })).status, 400);
  assert.equal(
    (await adhoc({ interface: MATRIX, version: '1.0.0', method: 'echoLong', parameterTypes: ['long'], args: ['x'] })).status,
    400,
  );
});

test('arity misses with the types from the provider\'s metadata are a local 400 saying what the overloads take', async () => {
  assert.equal(await ok('matrixByMetadata', 'echoString', ['x']), 'x');
  const empty = await invoke('matrixByMetadata', 'echoString', []);
  assert.equal(empty.status, 400, JSON.stringify(empty.body));
  const { code, message } = empty.body as { code: string; message: string };
  assert.equal(code, 'FERRY_ERR_BAD_ARGUMENTS');
  assert.match(message, /TypeMatrixService\.echoString takes \(java\.lang\.String\); got 0 argument\(s\)/);
  const three = await invoke('matrixByMetadata', 'echo', ['a', 1, 2]);
  assert.equal(three.status, 400, JSON.stringify(three.body));
  assert.match((three.body as { message: string }).message, /echo takes \(.*\) or \(.*\) or \(.*\); got 3 argument\(s\)/);
});

test('propagation: an allow-listed header reaches the provider as an attachment, a non-listed one does not', async () => {
  const seen = (await ok('matrixClasses', 'attachments', [], {
    'x-tenant-id': 't-42',
    'x-user-id': 'u-7',
    'x-secret': 'must-not-leak',
    'x-ferry-attach-explicit': 'asked',
  })) as Record<string, string>;
  assert.equal(seen['x-tenant-id'], 't-42');
  assert.equal(seen['x-user-id'], 'u-7');
  assert.equal(seen.explicit, 'asked');
  assert.equal(seen['x-secret'], undefined);
  // the call's id travels as x-request-id, as for HTTP, JSON-RPC and gRPC calls: generated, or the app's own
  assert.match(seen['x-request-id'] ?? '', /^[\w-]{8,}$/, JSON.stringify(seen));
  const own = (await ok('matrixClasses', 'attachments', [], { 'x-request-id': 'req-own-7' })) as Record<string, string>;
  assert.equal(own['x-request-id'], 'req-own-7');
  // and back: response attachments the provider set reach the app as x-ferry-attach-* headers
  const who = await invoke('matrixClasses', 'whoami', []);
  assert.equal(who.headers['x-ferry-attach-served-by'], 'types');
  assert.equal(who.headers['x-ferry-attach-dubbo'], undefined);
  // Ferry's own framing keys are not user attachments (Dubbo's ContextFilter hides them, Ferry sends them)
  assert.equal(seen['remote.application'] ?? 'ferry-dubbo-types-test', 'ferry-dubbo-types-test');
  for (const service of ['matrixTyped']) {
    const typed = (await ok(service, 'attachments', [], { 'x-tenant-id': 't-typed', 'x-secret': 'no' })) as Record<string, string>;
    assert.equal(typed['x-tenant-id'], 't-typed');
    assert.equal(typed['x-secret'], undefined);
  }
});

test('Ferry registers itself under /consumers like a Java consumer', async () => {
  const urls = await waitForDubboUrls(zk.address, MATRIX, (u) => u.some((x) => x.includes('ferry-dubbo-types-test')), {
    category: 'consumers',
  });
  const mine = urls.filter((u) => dubboUrlParams(u).application === 'ferry-dubbo-types-test');
  // matrix, matrixClasses, matrixTyped share one URL (same interface, version and methods): one node
  assert.ok(mine.length >= 1, urls.join('\n'));
  for (const u of mine) {
    assert.match(u, new RegExp(`^consumer://[^/]+/${MATRIX.replace(/\./g, '\\.')}\\?`));
    const q = dubboUrlParams(u);
    assert.equal(q.category, 'consumers');
    assert.equal(q.side, 'consumer');
    assert.equal(q.interface, MATRIX);
    assert.equal(q.dubbo, '2.0.2');
    assert.equal(q.check, 'false');
    assert.ok(q.pid && q.timestamp);
  }
  assert.ok(mine.some((u) => dubboUrlParams(u).version === '1.0.0'));
  const greet = await listDubboUrls(zk.address, GREETING, 'consumers');
  assert.ok(greet.some((u) => dubboUrlParams(u).group === 'green' && dubboUrlParams(u).version === '2.0.0'), greet.join('\n'));
});

test(
  'golden requests re-encoded by Ferry are accepted by the Java provider, which answers what it answered the Java consumer',
  { skip: !fixtureManifest() && 'no golden frames' },
  async () => {
    const results = await replayTypedRequests(provider.port, { token: TOKEN });
    assert.ok(results.length >= 20, `${results.length} calls`);
    for (const r of results) assert.deepEqual(r.got, r.expected, r.call);
  },
);

test('the app hanging up mid-call does not count against the provider (no open circuit breaker afterwards)', async () => {
  // breakers open after 5 consecutive endpoint failures; 8 apps going away must not look like 8 upstream timeouts
  // its own client: aborted requests can leave a half-opened socket behind in a shared pool (Ferry's close then waits for it)
  const dispatcher = new Agent();
  try {
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const pending = request(`${ferry.url}/v1/invoke/matrixClasses/sleep`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[250]',
        signal: controller.signal,
        dispatcher,
      });
      setTimeout(() => controller.abort(), 30);
      await assert.rejects(pending);
    }
  } finally {
    await dispatcher.destroy();
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await ok('matrixClasses', 'whoami', []), `types:${provider.port}`);
});
