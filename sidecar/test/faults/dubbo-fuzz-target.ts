/**
 * The live target of the Dubbo fuzzer: a real sidecar exposing the captured TypeMatrixService as a Dubbo
 * provider in front of an echo app, and a raw TCP client that sends one fuzz case per connection and holds
 * the provider to what it owes (expectedAnswers). Not a test file.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { HEADERS, invokePath } from '@ferry/sdk/contract';
import { json, readBody, startSidecar, startUpstream, type TestSidecar, type TestUpstream, dubboServer } from '../support/helpers.js';
import { FrameDecoder, encodeHeartbeatResponse, type DubboFrame } from '../../src/protocols/dubbo/codec.js';
import { decodeErrorBody, decodeResponseBody } from '../../src/protocols/dubbo/body.js';
import { CLASSES, RETURNS, declaredTypes, fixtureManifest } from '../support/dubbo-fixtures.js';
import { FIXTURES_DIR, expectedAnswers, fuzzCase, loadCorpus, suspiciousAnswer, type FuzzCase } from './dubbo-fuzz.js';

export interface FuzzTarget {
  port: number;
  /** A captured request that must keep getting status 20 (the provider still serves). */
  control: Buffer;
  close(): Promise<void>;
}

/** The app: answers each call with its (first) argument, `null` for none. */
async function startEchoApp(): Promise<TestUpstream> {
  return startUpstream(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    json(res, 200, Array.isArray(body) ? (body[0] ?? null) : body);
  });
}

/** Every typed method the fixtures call, with its captured signature, each mapped to `POST /echo/<method>`. */
function methodsOfFixtures(): Record<string, { http: string; parameterTypes: string[]; returns: string }> {
  const methods: Record<string, { http: string; parameterTypes: string[]; returns: string }> = {};
  for (const m of fixtureManifest()?.frames ?? []) {
    if (m.dir !== 'c2s' || m.event || m.kind === 'generic' || !m.method) continue;
    methods[m.method] = {
      http: `POST /echo/${m.method}`,
      parameterTypes: declaredTypes(m),
      returns: RETURNS[m.method] ?? 'java.lang.Object',
    };
  }
  return methods;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const app = await startEchoApp();
  const inbound = {
    app: { url: app.url, timeoutMs: 5000 },
    dubbo: {
      host: '127.0.0.1',
      port: 0,
      classes: CLASSES,
      services: [{ interface: 'com.example.ferry.api.TypeMatrixService', version: '1.0.0', methods: methodsOfFixtures() }],
    },
  };
  let sidecar: TestSidecar;
  try {
    // YAML takes JSON as it is
    sidecar = await startSidecar(
      `application: fuzz\nlog: { level: ${process.env.FERRY_TEST_LOG ?? 'silent'} }\ninbound: ${JSON.stringify(inbound)}\n`,
    );
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    port: dubboServer(sidecar.sidecar).port,
    control: readFileSync(`${FIXTURES_DIR}typed-echoInt.request.bin`),
    close: async () => {
      await sidecar.close();
      await app.close();
    },
  };
}

export interface SocketResult {
  /** From the first byte written to the last answer owed (or the close), ms. */
  ms: number;
  answers: number;
  closed: boolean;
  /** Set when the provider broke its contract: no answer, no close, a malformed or tell-tale answer. */
  failure?: string;
}

/**
 * Sends one case on a fresh connection and waits for what the provider owes: an answer to each two-way
 * request, or the close of the connection when the framing breaks. Answers must be well-formed frames whose
 * bodies decode, and none may betray an unexpected failure inside the provider.
 */
export function sendCase(port: number, c: Pick<FuzzCase, 'bytes' | 'cuts'>, timeoutMs: number): Promise<SocketResult> {
  const owed = expectedAnswers(c.bytes);
  const pending = new Map<bigint, number>();
  for (const id of owed.ids) pending.set(id, (pending.get(id) ?? 0) + 1);
  return new Promise((resolve) => {
    const start = performance.now();
    const decoder = new FrameDecoder();
    const result: SocketResult = { ms: 0, answers: 0, closed: false };
    let settled = false;
    const finish = (failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.ms = performance.now() - start;
      if (failure) result.failure = failure;
      socket.destroy();
      resolve(result);
    };
    const done = () => pending.size === 0 && (!owed.closes || result.closed);
    const timer = setTimeout(() => {
      const missing = [...pending.keys()].slice(0, 3).join(', ');
      finish(
        owed.closes && !result.closed
          ? `the connection was not closed within ${timeoutMs} ms after a framing error`
          : `no answer to request id ${missing} within ${timeoutMs} ms`,
      );
    }, timeoutMs);
    const socket = connect({ host: '127.0.0.1', port }, () => {
      let from = 0;
      for (const to of [...c.cuts, c.bytes.length]) {
        if (to > from) socket.write(c.bytes.subarray(from, to));
        from = to;
      }
      if (done()) finish();
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: DubboFrame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return finish(`the provider sent a malformed frame: ${(err as Error).message}`);
      }
      for (const f of frames) {
        if (f.request) continue; // its heartbeat or read-only event
        const problem = checkAnswer(f);
        if (problem) return finish(problem);
        result.answers++;
        const n = pending.get(f.id);
        if (n === undefined) continue; // an answer to a frame the provider read differently (stream cut by a framing error)
        if (n <= 1) pending.delete(f.id);
        else pending.set(f.id, n - 1);
      }
      if (done()) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      result.closed = true;
      if (done()) finish();
      else if (!owed.closes) finish(`the provider closed the connection with ${pending.size} answer(s) owed`);
    });
  });
}

function checkAnswer(f: DubboFrame): string | undefined {
  if (f.event) return undefined;
  if (f.status !== 20) return suspiciousAnswer(f.status, decodeErrorBody(f.body));
  try {
    decodeResponseBody(f.body);
  } catch (err) {
    return `the provider's own answer (status 20) does not decode: ${(err as Error).message}`;
  }
  return undefined;
}

/** Sends the captured control request and checks it is answered with status 20. */
export async function controlCheck(target: FuzzTarget, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder();
    const socket = connect({ host: '127.0.0.1', port: target.port }, () => socket.write(target.control));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`the control request got no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      resolve(`the control connection failed: ${err.message}`);
    });
    socket.on('data', (chunk: Buffer) => {
      const answer = decoder.push(chunk).find((f) => !f.request);
      if (!answer) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer.status === 20 ? undefined : `the control request got status ${answer.status}: ${decodeErrorBody(answer.body)}`);
    });
  });
}

/**
 * The consumer side: a fake Dubbo provider on loopback that answers each of Ferry's requests with a fuzz case
 * made from a captured response (the request's id written in), behind a real sidecar the app calls over HTTP.
 */
export interface ConsumerResult {
  status: number;
  code?: string;
  message?: string;
  /** Carries `x-ferry-error`. */
  marked: boolean;
  ms: number;
}

/** What the app must get whatever the provider answers: a 200, or one of Ferry's marked errors, never a 500. */
export function consumerFailure(r: ConsumerResult, boundMs: number): string | undefined {
  if (r.ms > boundMs) return `answered after ${r.ms.toFixed(0)} ms (bound ${boundMs} ms)`;
  if (r.status === 200) return undefined;
  if (!r.marked || !r.code) return `HTTP ${r.status} without Ferry's error marker`;
  if (r.status >= 500 && r.status < 502) return `HTTP ${r.status} ${r.code}: ${r.message ?? ''}`;
  return undefined;
}

export interface ConsumerTarget {
  /** Calls the service through the sidecar; resolves with the HTTP status and Ferry's error code, if any. */
  call(): Promise<ConsumerResult>;
  /** Whether an honest answer still gets through (some connections may hold a half-read lying frame). */
  stillServes(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startConsumerTarget(seed: number, timeoutMs: number): Promise<ConsumerTarget> {
  const responses = loadCorpus().filter((f) => (f[2]! & 0x80) === 0 && (f[2]! & 0x20) === 0);
  const honestAnswer = readFileSync(`${FIXTURES_DIR}typed-echoString.response.bin`);
  let index = 0;
  const state = { honest: false };
  const onConnection = (socket: Socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      let frames: DubboFrame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return void socket.destroy();
      }
      for (const f of frames) {
        if (!f.request) continue;
        if (f.event) {
          if (f.twoWay) socket.write(encodeHeartbeatResponse(f.id));
          continue;
        }
        const answer = state.honest ? Buffer.from(honestAnswer) : fuzzCase(responses, seed, index++).bytes;
        if (answer.length >= 12) answer.writeBigInt64BE(f.id, 4);
        socket.write(answer);
      }
    });
  };
  // 16 listeners of the one fake provider: a run of resets on one endpoint opens only its breaker
  const providers = await Promise.all(
    Array.from({ length: 16 }, async () => {
      const server = createServer(onConnection);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const endpoints = providers.map((p) => `127.0.0.1:${(p.address() as AddressInfo).port}`);
  const service = {
    protocol: 'dubbo',
    interface: 'com.example.ferry.api.TypeMatrixService',
    version: '1.0.0',
    endpoints,
    retries: 0,
    timeoutMs,
    invocation: 'typed',
    loadBalancer: 'roundrobin',
    methods: { echoString: { parameterTypes: ['java.lang.String'], returns: 'java.lang.Object' } },
  };
  const sidecar = await startSidecar(
    `application: fuzz-consumer\nlog: { level: ${process.env.FERRY_TEST_LOG ?? 'silent'} }\n` +
      `services: ${JSON.stringify({ matrix: service })}\n`,
  );
  const agent = new Agent({ connections: 4 });
  const call = async (): Promise<ConsumerResult> => {
    const start = performance.now();
    const res = await request(`${sidecar.url}${invokePath('matrix', 'echoString')}`, {
      method: 'POST',
      body: '["fuzz"]',
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
    });
    const text = await res.body.text();
    let error: { code?: string; message?: string } = {};
    try {
      error = JSON.parse(text) as typeof error;
    } catch {
      // not JSON: consumerFailure says so
    }
    const { code, message } = res.statusCode === 200 ? {} : error;
    return {
      status: res.statusCode,
      ...(code ? { code } : {}),
      ...(message ? { message } : {}),
      marked: res.headers[HEADERS.error] !== undefined,
      ms: performance.now() - start,
    };
  };
  return {
    call,
    async stillServes() {
      state.honest = true;
      try {
        for (let i = 0; i < endpoints.length; i++) if ((await call()).status === 200) return true;
        return false;
      } finally {
        state.honest = false;
      }
    },
    async close() {
      await agent.close();
      await sidecar.close();
      await Promise.all(providers.map((p) => new Promise<void>((resolve) => p.close(() => resolve()))));
    },
  };
}
