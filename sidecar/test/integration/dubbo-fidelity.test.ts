/**
 * Value fidelity through Ferry, both directions, against real Java peers (examples/dubbo-java, Dubbo 3.3 and 3.2):
 * the values Java and JavaScript disagree about — dates without an offset, impossible calendar dates, dates beyond
 * JavaScript's range, BigDecimal digits and scale, java.time.Instant from generic callers.
 *
 * Outbound: the app → Ferry → Java TypeMatrixService providers (direct endpoints, no registry).
 * Inbound: Java consumers (`consumer fidelity`, typed and generic) → Ferry → a Node app implementing FidelityService.
 * Every case runs with the sidecar's time zone set to Asia/Shanghai and to UTC (`process.env.TZ`, which Node
 * applies at once): the answers must not depend on the host's zone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { ensureJavaPeers, runConsumer, startProvider, type ConsumerResult, type JavaPeerJars, type JavaProvider } from '../harness/java.js';
import { readBody, startSidecar, startUpstream, type TestSidecar, type TestUpstream, dubboServer } from '../support/helpers.js';
import { CLASSES, USER } from '../support/dubbo-fixtures.js';
import { sampleUser } from '../support/java-samples.js';
import type { PeerJson } from '../support/peer-json.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const FIDELITY = 'com.example.ferry.api.FidelityService';
const STAMP = 'com.example.ferry.api.Stamp';
const ZONES = ['Asia/Shanghai', 'UTC'] as const;

/** What the app answers to FidelityService.decimal(key) / date(key): JSON texts, sent byte for byte. */
const ANSWERS: Record<string, string> = {
  'decimal:big': '12345678901234567890.1234567890',
  'decimal:scaled': '19.90',
  'decimal:exponent': '1.50E+3',
  'decimal:string': '"19.90"',
  'date:max': '"+292278994-08-17T07:12:55.807Z"',
  'date:min': '"-292275055-05-16T16:47:04.192Z"',
  'date:noOffset': '"2024-03-10T06:30:00.123"',
  'date:feb30': '"2024-02-30T06:30:00Z"',
  'date:offset': '"2024-03-10T06:30:00.123+08:00"',
};

const METHODS = {
  echoDate: { parameterTypes: ['java.util.Date'], returns: 'java.util.Date' },
  echoInstant: { parameterTypes: ['java.time.Instant'], returns: 'java.time.Instant' },
  echoBigDecimal: { parameterTypes: ['java.math.BigDecimal'], returns: 'java.math.BigDecimal' },
  echoUser: { parameterTypes: [USER], returns: USER },
  echoObject: { parameterTypes: ['java.lang.Object'] },
  typeOf: { parameterTypes: ['java.lang.Object'] },
};

interface Peer {
  label: string;
  provider: JavaProvider;
  jar: string;
}

let jars: JavaPeerJars;
let peers: Peer[] = [];
let app: TestUpstream & { seen: Array<{ method: string; text: string }> };
let ferry: TestSidecar;
const hostZone = process.env.TZ;

/** Runs `fn` with the sidecar process's time zone set to `zone`. */
async function inZone<T>(zone: string, fn: () => Promise<T>): Promise<T> {
  process.env.TZ = zone;
  try {
    return await fn();
  } finally {
    if (hostZone === undefined) delete process.env.TZ;
    else process.env.TZ = hostZone;
  }
}

async function startApp(): Promise<typeof app> {
  const seen: Array<{ method: string; text: string }> = [];
  const answer = (res: ServerResponse, text: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  const upstream = await startUpstream(async (req: IncomingMessage, res: ServerResponse) => {
    const text = (await readBody(req)).toString('utf8');
    seen.push({ method: String(req.headers['x-ferry-method']), text });
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    let out: string | undefined;
    if (req.url === '/echo') out = JSON.stringify(first);
    else if (req.url === '/seen') out = JSON.stringify(JSON.stringify(first));
    else if (req.url === '/decimal' || req.url === '/date') out = ANSWERS[`${req.url.slice(1)}:${String(first)}`] ?? 'null';
    if (out === undefined) res.writeHead(404).end();
    else answer(res, out);
  });
  return Object.assign(upstream, { seen });
}

function ferryYaml(): string {
  const services: Record<string, unknown> = {};
  for (const p of peers) {
    for (const invocation of ['generic', 'typed']) {
      services[`${p.label}-${invocation}`] = {
        protocol: 'dubbo',
        endpoints: [`127.0.0.1:${p.provider.port}`],
        interface: MATRIX,
        version: '1.0.0',
        retries: 0,
        timeoutMs: 5000,
        invocation,
        methods: METHODS,
        classes: CLASSES,
      };
    }
  }
  return `
application: ferry-fidelity-test
adhoc: { enabled: true, endpoints: ["127.0.0.1:*"] }
services: ${JSON.stringify(services)}
inbound:
  app: { url: "${app.url}", timeoutMs: 5000 }
  dubbo:
    host: 127.0.0.1
    port: 0
    classes:
      ${STAMP}: { name: java.lang.String, at: java.time.Instant, when: java.util.Date, amount: java.math.BigDecimal }
    services:
      - interface: ${FIDELITY}
        methods:
          echoDate:    { http: "POST /echo", parameterTypes: [java.util.Date], returns: java.util.Date }
          echoInstant: { http: "POST /echo", parameterTypes: [java.time.Instant], returns: java.time.Instant }
          echoStamp:   { http: "POST /echo", parameterTypes: [${STAMP}], returns: ${STAMP} }
          seen:        { http: "POST /seen", parameterTypes: [${STAMP}], returns: java.lang.String }
          decimal:     { http: "POST /decimal", parameterTypes: [java.lang.String], returns: java.math.BigDecimal }
          date:        { http: "POST /date", parameterTypes: [java.lang.String], returns: java.util.Date }
`;
}

/** A free port can be taken by another process before the JVM binds it (a busy shared machine): try another. */
async function startProviderRetrying(jar: string, name: string): Promise<JavaProvider> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProvider({ jar, zkAddress: 'N/A', name });
    } catch (err) {
      // the JVM's BindException is often cut from the message (its last 4 KB are stack frames)
      if (attempt >= 3 || !/before READY/.test((err as Error).message)) throw err;
    }
  }
}

before(async () => {
  jars = await ensureJavaPeers();
  app = await startApp();
  peers = await Promise.all(
    [
      ['dubbo-3.3', jars.jar33],
      ['dubbo-3.2', jars.jar32],
    ].map(async ([label, jar]) => ({ label: label!, jar: jar!, provider: await startProviderRetrying(jar!, `fidelity-${label}`) })),
  );
  ferry = await startSidecar(ferryYaml());
});

after(async () => {
  await ferry?.close();
  await Promise.all(peers.map((p) => p.provider.stop()));
  await app?.close();
});

interface Answer {
  status: number;
  body: PeerJson;
}

/** POSTs the body text as it is (JSON numbers keep the digits the test wrote). */
async function invokeText(service: string, method: string, text: string): Promise<Answer> {
  const res = await request(`${ferry.url}/v1/invoke/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  const raw = await res.body.text();
  return { status: res.statusCode, body: raw ? JSON.parse(raw) : undefined };
}

/** Every (time zone × Java provider × invocation) combination answers the same way. */
async function everywhere(method: string, text: string, check: (a: Answer, where: string) => void): Promise<void> {
  for (const zone of ZONES) {
    await inZone(zone, async () => {
      for (const p of peers) {
        for (const invocation of ['generic', 'typed']) {
          const where = `TZ=${zone} ${p.label} ${invocation} ${method}(${text})`;
          check(await invokeText(`${p.label}-${invocation}`, method, text), where);
        }
      }
    });
  }
}

function expectValue(method: string, text: string, expected: unknown): Promise<void> {
  return everywhere(method, text, (a, where) => {
    assert.equal(a.status, 200, `${where} → ${a.status} ${JSON.stringify(a.body)}`);
    assert.deepEqual(a.body, expected, where);
  });
}

function expectRefused(method: string, text: string, pattern: RegExp): Promise<void> {
  return everywhere(method, text, (a, where) => {
    assert.equal(a.status, 400, `${where} → ${a.status} ${JSON.stringify(a.body)}`);
    assert.equal(a.body.code, 'FERRY_ERR_BAD_ARGUMENTS', where);
    assert.match(a.body.message, pattern, where);
  });
}

interface InboundRun {
  where: string;
  lines: Map<string, PeerJson>;
}

/** One run of `consumer fidelity` per (time zone × Java version), shared by the inbound tests. */
let inboundRuns: Promise<InboundRun[]> | undefined;
function inbound(): Promise<InboundRun[]> {
  inboundRuns ??= (async () => {
    const out: InboundRun[] = [];
    for (const zone of ZONES) {
      for (const p of peers) {
        const r: ConsumerResult = await inZone(zone, () =>
          runConsumer({ jar: p.jar, mode: 'fidelity', url: `dubbo://127.0.0.1:${dubboServer(ferry.sidecar).port}` }),
        );
        assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-3000));
        out.push({ where: `TZ=${zone} Java ${p.label}`, lines: new Map(r.lines.map((l) => [l.call as string, l])) });
      }
    }
    return out;
  })();
  return inboundRuns;
}

function line(run: InboundRun, call: string): PeerJson {
  const l = run.lines.get(call);
  assert.ok(l, `${run.where}: no line for ${call}`);
  return l;
}

test('java.util.Date without an offset is refused (400 naming the path), ' +
  'whatever the host time zone; with an offset it is the same instant everywhere', async () => {
  await expectRefused('echoDate', '["2024-03-10T06:30:00.123"]', /args\[0\].*offset/);
  await expectRefused('echoDate', '["2024-03-10 06:30:00"]', /args\[0\].*offset/);
  await expectRefused(
    'echoUser',
    JSON.stringify([{ ...sampleUser(1, 'A'), birthday: '1990-05-17T00:00:00' }]),
    /args\[0\]\.birthday.*offset/,
  );
  await expectRefused('typeOf', '[{"$class":"java.util.Date","$":"2024-03-10T06:30:00"}]', /args\[0\].*offset/);
  await expectValue('echoDate', '["2024-03-10T06:30:00.123+08:00"]', '2024-03-09T22:30:00.123Z');
  await expectValue('echoDate', '["2024-03-10T06:30:00.123Z"]', '2024-03-10T06:30:00.123Z');
});

test('inbound: an app answering a java.util.Date without an offset fails the Java call (never a host-dependent instant)', async () => {
  for (const run of await inbound()) {
    const bad = line(run, 'date#noOffset');
    assert.equal(bad.ok, false, `${run.where}: ${JSON.stringify(bad)}`);
    assert.match(bad.message, /offset/, run.where);
    const good = line(run, 'date#offset');
    assert.equal(good.ok, true, `${run.where}: ${JSON.stringify(good)}`);
    assert.equal(good.value, '2024-03-09T22:30:00.123Z', run.where);
    assert.equal(line(run, 'echoDate#plain').value, '2024-03-10T06:30:00.123Z', run.where);
  }
});

test('impossible calendar dates are refused, not rolled over (java.util.Date and Instant, both directions)', async () => {
  await expectRefused('echoDate', '["2024-02-30T06:30:00Z"]', /args\[0\].*2024-02-30/);
  await expectRefused('echoDate', '["2023-02-29T00:00:00.000Z"]', /args\[0\]/);
  await expectRefused('echoDate', '["2024-04-31T00:00:00+08:00"]', /args\[0\]/);
  await expectRefused('echoDate', '["2024-03-10T24:00:00Z"]', /args\[0\]/);
  await expectRefused('echoUser', JSON.stringify([{ ...sampleUser(1, 'A'), birthday: '1990-02-30T00:00:00Z' }]), /args\[0\]\.birthday/);
  await expectRefused('echoInstant', '["2024-02-30T06:30:00Z"]', /args\[0\]/);
  // real dates in every offset form still work, and 2024 is a leap year
  await expectValue('echoDate', '["2024-02-29T23:59:59.999Z"]', '2024-02-29T23:59:59.999Z');
  await expectValue('echoDate', '["2024-03-10T06:30:00-0530"]', '2024-03-10T12:00:00.000Z');
  await expectValue('echoDate', '["2024-03-10T06:30:00+08"]', '2024-03-09T22:30:00.000Z');
  for (const run of await inbound()) {
    const l = line(run, 'date#feb30');
    assert.equal(l.ok, false, `${run.where}: ${JSON.stringify(l)}`);
    assert.match(l.message, /2024-02-30/, run.where);
  }
});

test('dates beyond JavaScript\'s range (new Date(Long.MAX_VALUE), "never expires") are carried exactly, both directions', async () => {
  const max = '+292278994-08-17T07:12:55.807Z';
  const min = '-292275055-05-16T16:47:04.192Z';
  await expectValue('echoDate', JSON.stringify([max]), max);
  await expectValue('echoDate', JSON.stringify([min]), min);
  await expectValue('echoDate', '["+10000-01-01T00:00:00Z"]', '+10000-01-01T00:00:00.000Z');
  await expectValue('echoUser', JSON.stringify([{ ...sampleUser(1, 'A'), birthday: max }]), { ...sampleUser(1, 'A'), birthday: max });
  await expectRefused('echoDate', '["+292278994-08-17T07:12:55.808Z"]', /args\[0\].*range/);
  for (const run of await inbound()) {
    for (const [call, text, millis] of [
      ['echoDate#max', max, '9223372036854775807'],
      ['echoDate#min', min, '-9223372036854775808'],
      ['date#max', max, '9223372036854775807'],
      ['date#min', min, '-9223372036854775808'],
      ['generic:echoDate#max', max, '9223372036854775807'],
    ] as const) {
      const l = line(run, call);
      assert.equal(l.ok, true, `${run.where} ${call}: ${JSON.stringify(l)}`);
      assert.deepEqual([l.value, l.epochMillis], [text, millis], `${run.where} ${call}`);
    }
  }
  // what the app received from the Java consumers
  assert.ok(
    app.seen.some((s) => s.method === 'echoDate' && s.text === JSON.stringify([max])),
    JSON.stringify(app.seen.filter((s) => s.method === 'echoDate')),
  );
  assert.ok(app.seen.some((s) => s.method === 'echoDate' && s.text === JSON.stringify([min])));
});

test('inbound: generic Java consumers passing java.time.Instant (also inside a POJO, as an object or as PojoUtils.generalize maps) ' +
  'deliver the same JSON as typed ones', async () => {
  const at = '2024-03-10T06:30:00.123456789Z';
  const typed = JSON.stringify({ name: 's1', at, when: '2024-03-10T06:30:00.123Z', amount: '19.90' });
  for (const run of await inbound()) {
    for (const call of ['echoInstant', 'generic:echoInstant', 'generic:echoInstant#map']) {
      const l = line(run, call);
      assert.deepEqual([l.ok, l.value], [true, at], `${run.where} ${call}: ${JSON.stringify(l)}`);
    }
    for (const call of ['seen', 'generic:seen', 'generic:seen#map', 'generic:seen#handmade']) {
      const l = line(run, call);
      assert.deepEqual([l.ok, l.value], [true, typed], `${run.where} ${call}: ${JSON.stringify(l)}`);
    }
    assert.deepEqual(line(run, 'echoStamp').value, JSON.parse(typed), run.where);
  }
  // the app saw ISO strings only
  const instants = app.seen.filter((s) => s.method === 'echoInstant');
  assert.ok(instants.length >= 12, `${instants.length} echoInstant calls`);
  for (const s of instants) assert.equal(s.text, JSON.stringify([at]));
});

test('BigDecimal sent as a JSON number keeps every digit and its scale, ' +
  'both directions (or is refused where the text is gone)', async () => {
  await expectValue('echoBigDecimal', '[12345678901234567890.1234567890]', '12345678901234567890.1234567890');
  await expectValue('echoBigDecimal', '[19.90]', '19.90');
  await expectValue('echoBigDecimal', '[1.50E+3]', '1.50E+3');
  await expectValue('echoBigDecimal', '[-0.000000000000000000000000000001]', '-1E-30');
  await expectValue('echoUser', JSON.stringify([sampleUser(1, 'A')]).replace('"1234.56"', '1234.5600'), {
    ...sampleUser(1, 'A'),
    balance: '1234.5600',
  });
  await expectValue('echoObject', '[{"$class":"java.math.BigDecimal","$":19.90}]', '19.90');
  // an Object parameter still gets a Double from a JSON fraction
  await expectValue('typeOf', '[19.90]', 'java.lang.Double');
  // a bare number as the whole body: its text is gone before Ferry sees the declared type
  await expectRefused('echoBigDecimal', '19.90', /args\[0\].*\["19\.90"\]/);
  // the ad-hoc route too
  for (const p of peers) {
    const res = await request(`${ferry.url}/v1/dubbo/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"interface":"${MATRIX}","version":"1.0.0","method":"echoBigDecimal","parameterTypes":["java.math.BigDecimal"],` +
        `"args":[19.90],"endpoint":"127.0.0.1:${p.provider.port}"}`,
    });
    assert.equal(res.statusCode, 200, p.label);
    assert.equal(await res.body.json(), '19.90', p.label);
  }
  for (const run of await inbound()) {
    for (const [call, value, scale] of [
      ['decimal#big', '12345678901234567890.1234567890', 10],
      ['decimal#scaled', '19.90', 2],
      ['decimal#exponent', '1.50E+3', -1],
      ['decimal#string', '19.90', 2],
      ['generic:decimal#big', '12345678901234567890.1234567890', 10],
    ] as const) {
      const l = line(run, call);
      assert.equal(l.ok, true, `${run.where} ${call}: ${JSON.stringify(l)}`);
      assert.equal(l.value, value, `${run.where} ${call}`);
      if (call !== 'generic:decimal#big') assert.equal(l.scale, scale, `${run.where} ${call}`);
    }
  }
});
