/**
 * The short, deterministic run of the Dubbo fuzzer (seeded; a few seconds): mutated captured frames through
 * the decoders in-process, and a share of them to Ferry's inbound Dubbo server over loopback. Pass criteria:
 * 0 throws other than FrameError/HessianError, every case within its time bound, the provider answers what
 * it owes and keeps serving, memory bounded. The long run: `npm run fuzz -w @ferry/sidecar -- --seconds N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { FrameDecoder, encodeFrame, type DubboFrame } from '../../src/protocols/dubbo/codec.js';
import { GENERIC_PARAMETER_DESC, decodeErrorBody, encodeRequestBody } from '../../src/protocols/dubbo/body.js';
import { HANDLE, HessianError, JavaObject, encodeHessian, fromJava } from '../../src/protocols/hessian/index.js';
import { decodeException } from '../../src/protocols/hessian/exception.js';
import { decodeCase, fuzzCase, loadCorpus, UnexpectedError } from './dubbo-fuzz.js';
import { consumerFailure, controlCheck, sendCase, startConsumerTarget, startFuzzTarget } from './dubbo-fuzz-target.js';

const SEED = 20261202;
const DIRECT_CASES = 3_000;
const SOCKET_CASES = 150;
/** Generous bounds (shared CI machines); typical figures are ~1 ms per case and ~5 ms per socket case. */
const CASE_BOUND_MS = 2_000;
const SOCKET_BOUND_MS = 5_000;
const HEAP_BOUND = 512 * 1024 * 1024;
const CONSUMER_CASES = 60;
/** The service's timeout: answers that never complete (a lying length) cost this much each. */
const CONSUMER_TIMEOUT_MS = 200;

const corpus = loadCorpus();

test('found by the fuzzer: java.time handles with a wrong or missing part are a HessianError, never a TypeError or a made-up value', () => {
  const dateTime = new JavaObject(HANDLE.localDateTime);
  dateTime.fields.date = new Map([['a', 1]]);
  dateTime.fields.time = 'x';
  assert.throws(() => fromJava(dateTime), HessianError);
  const date = new JavaObject(HANDLE.localDate);
  date.fields.year = 2024;
  assert.throws(() => fromJava(date), /LocalDateHandle\.month: expected an int/);
  // a provider's "exception" that is a bare map (null-prototype once converted) becomes text, not a TypeError
  assert.equal(decodeException(new Map([['k', 1]]), fromJava).message, '{"k":1}');
});

test('the fuzz corpus is the captured frames', () => {
  assert.ok(corpus.length >= 40, `${corpus.length} frames`);
  assert.ok(corpus.every((f) => f[0] === 0xda && f[1] === 0xbb));
});

test(`decoders: ${DIRECT_CASES} mutated frames, only typed errors, each within ${CASE_BOUND_MS} ms, memory bounded`, (t) => {
  const failures: string[] = [];
  const began = performance.now();
  let frames = 0;
  let slowest = { ms: 0, index: -1 };
  let heapPeak = 0;
  for (let i = 0; i < DIRECT_CASES; i++) {
    const c = fuzzCase(corpus, SEED, i);
    const start = performance.now();
    try {
      frames += decodeCase(c).frames;
    } catch (err) {
      if (!(err instanceof UnexpectedError)) throw err;
      failures.push(`case ${i} [${c.mutation}]: ${err.message} (replay: npm run fuzz -w @ferry/sidecar -- --seed ${SEED} --case ${i})`);
    }
    const ms = performance.now() - start;
    if (ms > slowest.ms) slowest = { ms, index: i };
    if (i % 500 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - began) / 1000;
  t.diagnostic(
    `figure: fuzz decoders: ${DIRECT_CASES} cases, ${frames} frames (${Math.round(frames / seconds)} frames/s), ` +
      `${failures.length} failed; slowest ${slowest.ms.toFixed(0)} ms; heap peak ${(heapPeak / 2 ** 20).toFixed(0)} MiB`,
  );
  assert.deepEqual(failures, []);
  assert.ok(frames > DIRECT_CASES / 2, `${frames} frames decoded`);
  assert.ok(slowest.ms < CASE_BOUND_MS, `case ${slowest.index} took ${slowest.ms.toFixed(0)} ms`);
  assert.ok(heapPeak < HEAP_BOUND, `heap reached ${(heapPeak / 2 ** 20).toFixed(0)} MiB`);
});

test(`inbound Dubbo server: ${SOCKET_CASES} mutated frames over loopback, every owed answer given, still serving`, async (t) => {
  const target = await startFuzzTarget();
  try {
    assert.equal(await controlCheck(target, SOCKET_BOUND_MS), undefined);
    const failures: string[] = [];
    let answers = 0;
    let closes = 0;
    for (let i = 0; i < SOCKET_CASES; i++) {
      const c = fuzzCase(corpus, SEED + 1, i);
      const result = await sendCase(target.port, c, SOCKET_BOUND_MS);
      answers += result.answers;
      if (result.closed) closes++;
      if (result.failure) failures.push(`case ${i} [${c.mutation}]: ${result.failure}`);
      if (i % 50 === 49) {
        const down = await controlCheck(target, SOCKET_BOUND_MS);
        if (down) failures.push(`after case ${i}: ${down}`);
      }
    }
    t.diagnostic(
      `figure: fuzz inbound Dubbo port: ${SOCKET_CASES} cases, ${answers} answers, ${closes} connections closed, ${failures.length} failed`,
    );
    assert.deepEqual(failures, []);
    assert.ok(answers > SOCKET_CASES / 3, `${answers} answers`);
    assert.ok(closes > 0, 'some cases broke the framing and were closed');
    assert.equal(await controlCheck(target, SOCKET_BOUND_MS), undefined);
  } finally {
    await target.close();
  }
});

test(`Dubbo consumer: ${CONSUMER_CASES} mutated answers from a fake provider, ` +
  `the app gets a 200 or a marked Ferry error, never a 500`, async (t) => {
  const target = await startConsumerTarget(SEED + 2, CONSUMER_TIMEOUT_MS);
  try {
    const failures: string[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < CONSUMER_CASES; i++) {
      const result = await target.call();
      const key = `${result.status} ${result.code ?? ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const failure = consumerFailure(result, CONSUMER_TIMEOUT_MS + SOCKET_BOUND_MS);
      if (failure) failures.push(`case ${i}: ${failure}`);
    }
    t.diagnostic(
      `figure: fuzz Dubbo consumer: ${CONSUMER_CASES} calls, ${failures.length} failed; ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    assert.deepEqual(failures, []);
    assert.ok((seen.get('502 FERRY_ERR_UPSTREAM_PROTOCOL') ?? 0) > CONSUMER_CASES / 4, JSON.stringify([...seen]));
    assert.equal(await target.stillServes(), true);
  } finally {
    await target.close();
  }
});

const IFACE = 'com.example.ferry.api.TypeMatrixService';

/** A request body: the captured service's head, then raw Hessian for the arguments and attachments. */
function body(method: string, desc: string, rawArgs: string): Buffer {
  return Buffer.concat([encodeHessian(['2.0.2', IFACE, '1.0.0', method, desc]), Buffer.from(rawArgs, 'hex')]);
}

/** One two-way request on a fresh connection; resolves with the answer's status and message. */
function ask(port: number, requestBody: Buffer): Promise<{ status: number; message: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const decoder = new FrameDecoder();
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write(encodeFrame({ request: true, twoWay: true, id: 77n, body: requestBody })),
    );
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5_000);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const answer = decoder.push(chunk).find((f: DubboFrame) => !f.request);
      if (!answer) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: answer.status, message: decodeErrorBody(answer.body), ms: performance.now() - start });
    });
  });
}

test('inbound Dubbo server: the worst cases found by the fuzzer get a 40 at once, and the server keeps serving', async () => {
  const target = await startFuzzTarget();
  try {
    let laughs = '';
    for (let i = 0; i < 40; i++) laughs += '7a';
    laughs += '7a9090';
    for (let i = 39; i >= 0; i--) laughs += '51' + (0x90 + i + 1).toString(16);
    const worst: Array<[string, Buffer, RegExp]> = [
      // 2^40 leaves in $invoke's parameter types (String() of them never returned)
      [
        'laughs as type names',
        body('$invoke', GENERIC_PARAMETER_DESC, '08' + Buffer.from('echoUser').toString('hex') + laughs + '4e4e'),
        /counting what refs repeat/,
      ],
      // a stack overflow before: typed lists whose type is a typed list…
      ['type recursion', body('echoInt', 'I', '70'.repeat(200_000)), /expected a type/],
      ['ref recursion', body('echoInt', 'I', '51'.repeat(200_000)), /expected an int/],
      ['class-def recursion', body('echoInt', 'I', '43'.repeat(200_000)), /expected a string for class name/],
      ['nesting 100k deep', body('echoUser', 'Lcom/example/ferry/api/User;', '57'.repeat(100_000)), /nesting deeper than 256/],
      ['a list of 2^31-1', body('echoInt', 'I', '58497fffffff'), /exceeds the remaining bytes/],
    ];
    for (const [what, requestBody, message] of worst) {
      const answer = await ask(target.port, requestBody);
      assert.equal(answer.status, 40, `${what}: ${answer.message}`);
      assert.match(answer.message, message, what);
      assert.ok(answer.ms < 2_000, `${what}: ${answer.ms.toFixed(0)} ms`);
    }
    // $invoke parameter types must be strings (Java's String[] cast)
    const generic = encodeRequestBody({
      dubboVersion: '2.0.2',
      path: IFACE,
      version: '1.0.0',
      method: '$invoke',
      parameterDesc: GENERIC_PARAMETER_DESC,
      args: ['echoInt', [1], [5]],
      attachments: { generic: 'true' },
    });
    const answer = await ask(target.port, generic);
    assert.equal(answer.status, 40, answer.message);
    assert.match(answer.message, /\$invoke parameter types are not a String\[\]/);
    assert.equal(await controlCheck(target, 5_000), undefined);
  } finally {
    await target.close();
  }
});
