/**
 * The long run of the Dubbo fuzzer:
 *
 *   npm run fuzz -w @ferry/sidecar -- --seconds 300 [--seed 1] [--socket-lanes 2]
 *   npm run fuzz -w @ferry/sidecar -- --seed 1 --case 4711      # replay one case, with the stack
 *
 * The decoders run in a worker thread (heap capped) watched by the main thread: a case that does not return
 * within --hang-ms is reported as a hang, with its (seed, case) to replay. The main thread meanwhile runs a
 * real sidecar and sends other cases to its inbound Dubbo port over loopback, and another sidecar calls a
 * fake provider that answers with mutated captured responses (the consumer side). Prints frames/s and totals;
 * exits 1 on any failure. Under the test runner (which runs every file of dist/test) it does nothing.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeCase, fuzzCase, loadCorpus, UnexpectedError } from './dubbo-fuzz.js';

interface WorkerInput {
  seed: number;
  until: number;
  /** [0] case in progress, [1] cases done. */
  progress: SharedArrayBuffer;
}

interface Failure {
  lane: 'decoders' | 'socket' | 'consumer';
  index: number;
  mutation: string;
  message: string;
}

interface DecoderTotals {
  cases: number;
  frames: number;
  refused: number;
  decoded: number;
  bytes: number;
  slowestMs: number;
  slowestCase: number;
  heapPeak: number;
}

const MiB = 2 ** 20;

function runDecoders(input: WorkerInput): void {
  const corpus = loadCorpus();
  const progress = new Int32Array(input.progress);
  const totals: DecoderTotals = { cases: 0, frames: 0, refused: 0, decoded: 0, bytes: 0, slowestMs: 0, slowestCase: -1, heapPeak: 0 };
  for (let i = 0; Date.now() < input.until; i++) {
    Atomics.store(progress, 0, i);
    const c = fuzzCase(corpus, input.seed, i);
    const start = performance.now();
    try {
      const outcome = decodeCase(c);
      totals.frames += outcome.frames;
      totals.refused += outcome.refused;
      totals.decoded += outcome.decoded;
    } catch (err) {
      if (!(err instanceof UnexpectedError)) throw err;
      parentPort!.postMessage({ failure: { lane: 'decoders', index: i, mutation: c.mutation, message: err.message } satisfies Failure });
    }
    const ms = performance.now() - start;
    if (ms > totals.slowestMs) Object.assign(totals, { slowestMs: ms, slowestCase: i });
    totals.cases++;
    totals.bytes += c.bytes.length;
    Atomics.store(progress, 1, totals.cases);
    if (i % 1000 === 0) {
      totals.heapPeak = Math.max(totals.heapPeak, process.memoryUsage().heapUsed);
      parentPort!.postMessage({ totals });
    }
  }
  parentPort!.postMessage({ totals, done: true });
}

function replay(seed: number, index: number): void {
  const c = fuzzCase(loadCorpus(), seed, index);
  console.log(`case ${index} of seed ${seed}: ${c.mutation}, ${c.bytes.length} bytes, cut at [${c.cuts.join(', ')}]`);
  console.log(c.bytes.subarray(0, 256).toString('hex').replace(/(.{64})/g, '$1\n'));
  try {
    console.log(decodeCase(c));
  } catch (err) {
    console.log(err instanceof UnexpectedError ? (err.error as Error).stack : err);
    process.exitCode = 1;
  }
}

function keep(seed: number, failure: Failure, bytes: Buffer): string {
  const dir = join(tmpdir(), 'ferry-fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `seed${seed}-${failure.lane}-${failure.index}.bin`);
  writeFileSync(file, bytes);
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '30' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      case: { type: 'string' },
      'socket-lanes': { type: 'string', default: '2' },
      'hang-ms': { type: 'string', default: '10000' },
    },
  });
  const seed = Number(values.seed);
  if (values.case !== undefined) return replay(seed, Number(values.case));
  const seconds = Number(values.seconds);
  const lanes = Number(values['socket-lanes']);
  const hangMs = Number(values['hang-ms']);
  const until = Date.now() + seconds * 1000;
  const corpus = loadCorpus();
  console.log(`Dubbo fuzz: seed ${seed}, ${seconds} s, ${corpus.length} captured frames, ${lanes} socket lane(s)`);

  const failures: Failure[] = [];
  const seen = new Set<string>();
  const report = (f: Failure) => {
    failures.push(f);
    const key = `${f.lane}:${f.message.slice(0, 100)}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (f.lane === 'consumer') return void console.log(`FAIL consumer call ${f.index}: ${f.message}`);
    const file = keep(f.lane === 'socket' ? seed + 1 : seed, f, fuzzCase(corpus, f.lane === 'socket' ? seed + 1 : seed, f.index).bytes);
    console.log(`FAIL ${f.lane} case ${f.index} [${f.mutation}]: ${f.message}\n  bytes: ${file}`);
  };

  // the decoders, in a worker with a capped heap, watched for hangs
  const progress = new SharedArrayBuffer(8);
  const watched = new Int32Array(progress);
  let totals: DecoderTotals | undefined;
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { seed, until, progress } satisfies WorkerInput,
    resourceLimits: { maxOldGenerationSizeMb: 768 },
  });
  const decoders = new Promise<void>((resolve) => {
    worker.on('message', (m: { failure?: Failure; totals?: DecoderTotals; done?: boolean }) => {
      if (m.failure) report(m.failure);
      if (m.totals) totals = m.totals;
      if (m.done) resolve();
    });
    worker.on('error', (err) => {
      const index = Atomics.load(watched, 0);
      report({ lane: 'decoders', index, mutation: fuzzCase(corpus, seed, index).mutation, message: `the worker died: ${err.message}` });
      resolve();
    });
    worker.on('exit', () => resolve());
  });
  let lastCase = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const current = Atomics.load(watched, 0);
    if (current !== lastCase) {
      lastCase = current;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > hangMs) {
      report({
        lane: 'decoders',
        index: current,
        mutation: fuzzCase(corpus, seed, current).mutation,
        message: `HANG: no return within ${hangMs} ms`,
      });
      void worker.terminate();
    }
  }, 500);

  // the inbound server, over loopback, from the main thread (dynamic import: the worker never loads a sidecar)
  const { consumerFailure, controlCheck, sendCase, startConsumerTarget, startFuzzTarget } = await import('./dubbo-fuzz-target.js');
  const target = await startFuzzTarget();
  const consumerTarget = await startConsumerTarget(seed + 2, 200);
  const socket = { cases: 0, answers: 0, closes: 0, slowestMs: 0, controls: 0 };
  let next = 0;
  const lane = async () => {
    while (Date.now() < until) {
      const index = next++;
      const c = fuzzCase(corpus, seed + 1, index);
      const result = await sendCase(target.port, c, 10_000);
      socket.cases++;
      socket.answers += result.answers;
      if (result.closed) socket.closes++;
      socket.slowestMs = Math.max(socket.slowestMs, result.ms);
      if (result.failure) report({ lane: 'socket', index, mutation: c.mutation, message: result.failure });
      if (index % 200 === 199) {
        const down = await controlCheck(target, 10_000);
        socket.controls++;
        if (down) report({ lane: 'socket', index, mutation: c.mutation, message: `after this case: ${down}` });
      }
    }
  };
  const consumer = { calls: 0, ok: 0, slowestMs: 0, codes: new Map<string, number>() };
  const consumerLane = async () => {
    while (Date.now() < until) {
      const result = await consumerTarget.call();
      const index = consumer.calls++;
      if (result.status === 200) consumer.ok++;
      else consumer.codes.set(result.code ?? String(result.status), (consumer.codes.get(result.code ?? String(result.status)) ?? 0) + 1);
      consumer.slowestMs = Math.max(consumer.slowestMs, result.ms);
      const failure = consumerFailure(result, 10_000);
      if (failure) report({ lane: 'consumer', index, mutation: '', message: failure });
    }
  };
  const started = Date.now();
  let rssPeak = 0;
  const ticker = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const s = (Date.now() - started) / 1000;
    const done = Atomics.load(watched, 1);
    console.log(
      `${s.toFixed(0)} s: decoders ${done} cases (${(done / s).toFixed(0)}/s), ` +
        `socket ${socket.cases} cases (${(socket.cases / s).toFixed(0)}/s), ` +
        `${failures.length} failure(s), rss ${(rssPeak / MiB).toFixed(0)} MiB`,
    );
  }, 10_000);
  await Promise.all([...Array.from({ length: lanes }, lane), consumerLane(), decoders]);
  const stillServes = await consumerTarget.stillServes();
  if (!stillServes)
    report({ lane: 'consumer', index: consumer.calls, mutation: '', message: 'no endpoint answers an honest call any more' });
  await consumerTarget.close();
  clearInterval(ticker);
  clearInterval(watchdog);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  await target.close();
  const elapsed = (Date.now() - started) / 1000;
  const t = totals;
  console.log('---');
  if (t) {
    console.log(
      `decoders: ${t.cases} cases (${(t.cases / elapsed).toFixed(0)}/s), ` +
        `${t.frames} frames (${(t.frames / elapsed).toFixed(0)} frames/s), ` +
        `${(t.bytes / MiB).toFixed(0)} MiB; ${t.refused} refused with FrameError/HessianError, ${t.decoded} decoded; ` +
        `slowest case ${t.slowestCase}: ${t.slowestMs.toFixed(1)} ms; worker heap peak ${(t.heapPeak / MiB).toFixed(0)} MiB`,
    );
  }
  console.log(
    `socket: ${socket.cases} cases (${(socket.cases / elapsed).toFixed(0)}/s), ${socket.answers} answers, ` +
      `${socket.closes} connections closed, ` +
      `slowest ${socket.slowestMs.toFixed(0)} ms, ${socket.controls} control checks; process rss peak ${(rssPeak / MiB).toFixed(0)} MiB`,
  );
  console.log(
    `consumer: ${consumer.calls} calls (${(consumer.calls / elapsed).toFixed(0)}/s), ${consumer.ok} × 200, ` +
      `${[...consumer.codes]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${n} × ${c}`)
        .join(', ')}; slowest ${consumer.slowestMs.toFixed(0)} ms; still serves: ${stillServes}`,
  );
  console.log(`failures: ${failures.length} (${seen.size} distinct)`);
  process.exitCode = failures.length ? 1 : 0;
}

if (!isMainThread) runDecoders(workerData as WorkerInput);
else if (!process.env.NODE_TEST_CONTEXT) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
