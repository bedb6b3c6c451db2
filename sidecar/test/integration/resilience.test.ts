/**
 * Resilience through the real sidecar with real HTTP upstreams: named policies (what is retried), deadline
 * propagation across two Ferries and an app using the SDK, the retry budget under an outage, outlier ejection
 * with its maximum share, the per-service bulkhead and load shedding on event-loop lag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FerryClient } from '@ferry/sdk';
import { ferryContext } from '@ferry/sdk/express';
import { json, settles, startSidecar, startUpstream, type TestUpstream } from '../support/helpers.js';

async function metric(adminUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

const post = (url: string, body: unknown = [], headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Upstreams that count their calls and answer with `status()` (their index in the body). */
async function upstreams(n: number, status: (i: number) => number): Promise<{ list: TestUpstream[]; hits: number[] }> {
  const hits = Array.from({ length: n }, () => 0);
  const list = await Promise.all(
    hits.map((_, i) =>
      startUpstream((req, res) => {
        hits[i]!++;
        req.resume();
        json(res, status(i), { from: i });
      }),
    ),
  );
  return { list, hits };
}

test('named policies: an idempotent method retries a 503 on another endpoint; a method on the default policy gets it', async () => {
  const { list, hits } = await upstreams(2, (i) => (i === 0 ? 503 : 200));
  const ferry = await startSidecar(`
resilience: { outlierEjection: { enabled: false } }
policies:
  retries: { safe: { maxRetries: 2, retryOn: idempotent, initialIntervalMs: 5 } }
services:
  pay:
    protocol: http
    loadBalancer: roundrobin
    endpoints: ${JSON.stringify(list.map((u) => u.url))}
    methods:
      lookup: { policy: { retry: safe } }
      charge: {}
`);
  try {
    for (let i = 0; i < 6; i++) {
      const res = await post(`${ferry.url}/v1/invoke/pay/lookup`);
      assert.equal(res.status, 200, 'the 503 was retried on the healthy endpoint');
      assert.deepEqual(await res.json(), { from: 1 });
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(`${ferry.url}/v1/invoke/pay/charge`);
      statuses.push(res.status);
      assert.equal(res.headers.get('x-ferry-error'), null, "the upstream's own answer, passed through");
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses.sort(), [200, 200, 503, 503], 'not idempotent: a 503 is not retried');
    assert.ok(hits[0]! >= 5, `the failing endpoint was tried (${hits[0]})`);
  } finally {
    await ferry.close();
    await Promise.all(list.map((u) => u.close()));
  }
});

test('named timeouts: a method\'s policy gives it a longer budget than its service\'s, end to end', async () => {
  const told: number[] = [];
  const upstream = await startUpstream((req, res) => {
    told.push(Number(req.headers['x-ferry-timeout-ms']));
    req.resume();
    const timer = setTimeout(() => json(res, 200, 'done'), 1000);
    res.on('close', () => clearTimeout(timer));
  });
  const ferry = await startSidecar(`
policies:
  timeouts: { fast: 300, reports: 8000 }
services:
  books:
    protocol: http
    endpoints: ["${upstream.url}"]
    policy: { timeout: fast }
    methods:
      report: { policy: { timeout: reports } }
`);
  try {
    const quick = await post(`${ferry.url}/v1/invoke/books/list`);
    assert.equal(quick.status, 504);
    assert.equal(quick.headers.get('x-ferry-error'), 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.ok(told[0]! <= 300, `told ${told[0]}`);
    const report = await post(`${ferry.url}/v1/invoke/books/report`);
    assert.equal(report.status, 200, 'the method\'s own budget');
    assert.ok(told[1]! > 300 && told[1]! <= 8000, `told ${told[1]}`);
    const asked = await post(`${ferry.url}/v1/invoke/books/report`, [], { 'x-ferry-timeout-ms': '200' });
    assert.equal(asked.status, 504, 'the app may still ask for less');
  } finally {
    await ferry.close();
    await upstream.close();
  }
});

test('deadline propagation: the time left travels to the upstream, and a second Ferry behind an SDK app honours it', async () => {
  // C: slow; it sees what Ferry B was told is left
  const seenByC: number[] = [];
  const c = await startUpstream((req, res) => {
    seenByC.push(Number(req.headers['x-ferry-timeout-ms']));
    req.resume();
    const timer = setTimeout(() => json(res, 200, 'late'), 4000);
    res.on('close', () => clearTimeout(timer));
  });
  const ferryB = await startSidecar(`services:\n  slow: { protocol: http, endpoints: ["${c.url}"], timeoutMs: 10000 }\n`);
  // B: an app using the SDK's middleware, calling C through Ferry B while answering Ferry A
  const client = new FerryClient({ baseUrl: ferryB.url });
  const middleware = ferryContext();
  const seenByB: number[] = [];
  const b: Server = createServer((req, res) => {
    seenByB.push(Number(req.headers['x-ferry-timeout-ms']));
    req.resume();
    middleware(req, res, () => {
      const started = Date.now();
      client.invoke('slow', 'work', []).then(
        () => json(res, 200, { tookMs: Date.now() - started }),
        (err: { code?: string }) => json(res, 200, { code: err.code, tookMs: Date.now() - started }),
      );
    });
  });
  await new Promise<void>((resolve) => b.listen(0, '127.0.0.1', resolve));
  const bUrl = `http://127.0.0.1:${(b.address() as AddressInfo).port}`;
  const ferryA = await startSidecar(`services:\n  mid: { protocol: http, endpoints: ["${bUrl}"], timeoutMs: 1500 }\n`);
  try {
    const res = await post(`${ferryA.url}/v1/invoke/mid/run`);
    const body = (await res.json()) as { code?: string; tookMs: number } | undefined;
    // Ferry A's 1.5 s either answered B's 504 in time, or ran out itself: either way C's 4 s never ran to the end
    assert.ok(res.status === 200 || res.status === 504, `status ${res.status}`);
    assert.ok(seenByB[0]! > 0 && seenByB[0]! <= 1500, `B was told the time left: ${seenByB[0]}`);
    assert.ok(seenByC[0]! > 0 && seenByC[0]! <= 1500, `Ferry B bounded its call by A's deadline, not its own 10 s: ${seenByC[0]}`);
    if (res.status === 200) {
      assert.equal(body?.code, 'FERRY_ERR_UPSTREAM_TIMEOUT');
      assert.ok(body!.tookMs < 3500, `Ferry B gave up at A's deadline (${body!.tookMs} ms)`);
    }
  } finally {
    await ferryA.close();
    await ferryB.close();
    await new Promise<void>((resolve) => {
      b.closeAllConnections();
      b.close(() => resolve());
    });
    await c.close();
  }
});

test('retry budget: during an outage retries add at most the ratio plus the floor, and the refusals are counted', async () => {
  const { list, hits } = await upstreams(2, () => 503);
  const ferry = await startSidecar(`
metrics: { enabled: true }
resilience: { outlierEjection: { enabled: false }, retryBudget: { ratio: 0.2, minPerSecond: 1, windowMs: 10000 } }
policies:
  retries: { eager: { maxRetries: 3, retryOn: idempotent, initialIntervalMs: 0 } }
services:
  outage: { protocol: http, endpoints: ${JSON.stringify(list.map((u) => u.url))}, policy: { retry: eager } }
`);
  try {
    const CALLS = 100;
    for (let i = 0; i < CALLS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async () => (await post(`${ferry.url}/v1/invoke/outage/get`)).arrayBuffer()));
    }
    const total = hits[0]! + hits[1]!;
    // without the budget: 400 attempts; with it: 100 + 20 % of 100 + 1/s × 10 s
    assert.ok(total >= CALLS && total <= CALLS + 20 + 10, `${total} attempts for ${CALLS} calls`);
    assert.ok((await metric(ferry.adminUrl!, 'ferry_retry_budget_exhausted_total', 'service="outage"')) > 0);
  } finally {
    await ferry.close();
    await Promise.all(list.map((u) => u.close()));
  }
});

test('outlier ejection: an endpoint answering 500s leaves the rotation; when all fail, at most half are ejected', async () => {
  let allFail = false;
  const { list, hits } = await upstreams(4, (i) => (allFail || i === 0 ? 500 : 200));
  const ferry = await startSidecar(`
metrics: { enabled: true }
resilience: { outlierEjection: { consecutiveFailures: 3, baseEjectionMs: 60000, maxEjectedPercent: 50 } }
services:
  shaky: { protocol: http, loadBalancer: roundrobin, endpoints: ${JSON.stringify(list.map((u) => u.url))} }
`);
  try {
    for (let i = 0; i < 40; i++) await (await post(`${ferry.url}/v1/invoke/shaky/get`)).arrayBuffer();
    assert.equal(hits[0], 3, 'ejected after its third 500 in a row');
    assert.equal(await metric(ferry.adminUrl!, 'ferry_outlier_ejections_total', 'service="shaky"'), 1);
    allFail = true;
    const before = [...hits];
    for (let i = 0; i < 60; i++) await (await post(`${ferry.url}/v1/invoke/shaky/get`)).arrayBuffer();
    const stillServing = hits.filter((h, i) => h - before[i]! > 10).length;
    assert.equal(stillServing, 2, `half of the endpoints stay in: ${hits.map((h, i) => h - before[i]!).join(', ')}`);
    assert.equal(await metric(ferry.adminUrl!, 'ferry_outlier_ejections_total', 'service="shaky"'), 2);
  } finally {
    await ferry.close();
    await Promise.all(list.map((u) => u.close()));
  }
});

test('bulkhead: calls over maxConcurrentCalls get a fast, marked 503 FERRY_ERR_CONCURRENCY_LIMIT; nothing is sent', async () => {
  let arrived = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const upstream = await startUpstream(async (req, res) => {
    arrived++;
    req.resume();
    await gate;
    json(res, 200, 'ok');
  });
  const ferry = await startSidecar(`
metrics: { enabled: true }
services:
  narrow: { protocol: http, endpoints: ["${upstream.url}"], maxConcurrentCalls: 2, timeoutMs: 10000 }
`);
  try {
    const held = [post(`${ferry.url}/v1/invoke/narrow/a`), post(`${ferry.url}/v1/invoke/narrow/b`)];
    while (arrived < 2) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    const refused = await post(`${ferry.url}/v1/invoke/narrow/c`);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('x-ferry-error'), 'FERRY_ERR_CONCURRENCY_LIMIT');
    assert.equal(((await refused.json()) as { code: string }).code, 'FERRY_ERR_CONCURRENCY_LIMIT');
    assert.ok(Date.now() - started < 5000, 'answered at once, not after the held calls');
    assert.equal(arrived, 2, 'the refused call never reached the upstream');
    release();
    for (const res of await Promise.all(held)) assert.equal(res.status, 200);
    assert.equal((await post(`${ferry.url}/v1/invoke/narrow/d`)).status, 200, 'slots are given back');
    assert.equal(await metric(ferry.adminUrl!, 'ferry_shed_total', 'service="narrow",reason="concurrency"'), 1);
  } finally {
    release();
    await ferry.close();
    await upstream.close();
  }
});

/**
 * Another process that connects first (while this one still runs its event loop), says so, then sends each request
 * 200 ms later — while this process, the sidecar's, is blocked — and prints each answer's status and Ferry code.
 */
const CLIENT = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
const sockets = targets.map(({ port }) => net.connect(port, '127.0.0.1'));
let connected = 0;
const answers = targets.map(() => '');
sockets.forEach((socket, i) => {
  socket.on('connect', () => { if (++connected === sockets.length) { console.log('ready'); setTimeout(send, 200); } });
  socket.on('data', (d) => (answers[i] += d));
  socket.on('close', () => { if (sockets.every((s) => s.destroyed)) console.log(JSON.stringify(answers.map((a) => ({
    status: Number(/^HTTP\\/1.1 (\\d+)/.exec(a)?.[1] ?? 0), error: /^x-ferry-error: (\\S+)/im.exec(a)?.[1] ?? null })))); });
});
function send() {
  targets.forEach(({ request }, i) => sockets[i].write(request));
}
`;

function rawRequest(method: string, path: string, body?: string): string {
  const length = body === undefined ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${length}connection: close\r\n\r\n${body ?? ''}`;
}

test('load shedding: while the event loop lags, calls get a fast 503 FERRY_ERR_OVERLOADED; probes are never shed', async () => {
  const upstream = await startUpstream((req, res) => {
    req.resume();
    json(res, 200, 'ok');
  });
  const ferry = await startSidecar(`
metrics: { enabled: true }
resilience: { loadShedding: { enabled: true, maxEventLoopDelayMs: 300 } }
services:
  busy: { protocol: http, endpoints: ["${upstream.url}"], timeoutMs: 10000 }
`);
  try {
    // a threshold well above what a loaded test machine shows by itself; the stall below is far above it
    await settles(async () => assert.equal((await post(`${ferry.url}/v1/invoke/busy/get`)).status, 200), 10_000);
    const port = Number(new URL(ferry.url).port);
    const adminPort = Number(new URL(ferry.adminUrl!).port);
    const targets = [
      ...Array.from({ length: 3 }, () => ({ port, request: rawRequest('POST', '/v1/invoke/busy/get', '[]') })),
      { port, request: rawRequest('GET', '/healthz') },
      { port, request: rawRequest('GET', '/readyz') },
      { port: adminPort, request: rawRequest('GET', '/healthz') },
    ];
    const child = spawn(process.execPath, ['-e', CLIENT, JSON.stringify(targets)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 5));
    // this process (the sidecar's) is stalled, as by a long synchronous task or a GC storm
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // blocked
    }
    await new Promise((r) => child.on('close', r));
    const answers = JSON.parse(out.split('\n').filter(Boolean).pop()!) as Array<{ status: number; error: string | null }>;
    for (const answer of answers.slice(0, 3)) assert.deepEqual(answer, { status: 503, error: 'FERRY_ERR_OVERLOADED' });
    for (const probe of answers.slice(3)) assert.deepEqual(probe, { status: 200, error: null });
    assert.ok((await metric(ferry.adminUrl!, 'ferry_shed_total', 'service="busy",reason="event_loop"')) >= 3);
    // served again once the loop keeps up
    await settles(async () => assert.equal((await post(`${ferry.url}/v1/invoke/busy/get`)).status, 200), 10_000);
  } finally {
    await ferry.close();
    await upstream.close();
  }
});
