/**
 * JSON-RPC 2.0 through the real sidecar against a real `jayson` server (a library no one here wrote), plus
 * a hand-made bad upstream for answers that are not valid JSON-RPC.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import jayson from 'jayson';
import { HEADERS, batchPath, invokePath, type ErrorBody } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, readBody, json, eventually, type TestSidecar, type TestUpstream } from '../support/helpers.js';

type Callback = (error: unknown, result?: unknown) => void;

let rpc: Server;
let jaysonServer: InstanceType<typeof jayson.Server>;
let rpcUrl: string;
let front: TestUpstream;
let bad: TestUpstream;
let ferry: TestSidecar;
const notified: unknown[] = [];
const seenHeaders: Record<string, unknown>[] = [];
const ANSWER_LIMIT = 4096;

before(async () => {
  const server = new jayson.Server(
    {
      add(args: unknown, cb: Callback) {
        if (Array.isArray(args)) return cb(null, (args as number[]).reduce((a, b) => a + b, 0));
        const { a, b } = args as { a: number; b: number };
        cb(null, a + b);
      },
      echo(args: unknown, cb: Callback) {
        cb(null, args);
      },
      divide(args: unknown, cb: Callback) {
        const [a, b] = args as [unknown, unknown];
        if (typeof a !== 'number' || typeof b !== 'number')
          return cb({ code: -32602, message: 'Invalid params', data: { expected: ['number', 'number'] } });
        if (b === 0) return cb({ code: 1001, message: 'division by zero', data: { dividend: a } });
        cb(null, a / b);
      },
      explode(_args: unknown, cb: Callback) {
        // Not a JSON-RPC error object: jayson itself answers -32603 Internal error.
        cb(new Error('kaboom'));
      },
      busy(_args: unknown, cb: Callback) {
        cb({ code: -32042, message: 'server busy', data: { retryAfterMs: 50 } });
      },
      reserved(_args: unknown, cb: Callback) {
        cb({ code: -32099, message: 'implementation-defined server error' });
      },
      record(args: unknown, cb: Callback) {
        notified.push(args);
        cb(null, true);
      },
      whoami(_args: unknown, cb: Callback) {
        cb(null, seenHeaders.at(-1) ?? null);
      },
    },
    { useContext: false },
  );
  jaysonServer = server;
  rpc = server.http();
  rpc.on('request', (req) => seenHeaders.push(req.headers));
  await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve));
  rpcUrl = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;

  // A front that breaks Ferry's request on demand, so jayson itself answers -32700 and -32600.
  front = await startUpstream(async (req, res) => {
    let body = (await readBody(req)).toString('utf8');
    const breakIt = req.headers['x-break'];
    if (breakIt === 'parse') {
      // jayson's HTTP body parser answers unparsable JSON with a plain-text 400; its JSON-RPC core answers
      // the spec's -32700 error object, which is what a conforming HTTP server sends.
      jaysonServer.call(body.slice(0, -3), (error: unknown) => json(res, 200, error));
      return;
    }
    if (breakIt === 'request') body = body.replace(/"method":"[^"]*"/, '"method":42');
    const answer = await request(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.writeHead(answer.statusCode, { 'content-type': 'application/json' });
    res.end(await answer.body.text());
  });

  // Answers that are not valid JSON-RPC.
  bad = await startUpstream(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    const body = JSON.parse(text) as { id?: number; method: string };
    const id = body.id;
    switch (body.method) {
      case 'requestText': // what Ferry sent, as it sent it
        return json(res, 200, { jsonrpc: '2.0', result: text, id });
      case 'notJson':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"jsonrpc": "2.0", "result": ');
      case 'html500':
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><body>Internal Server Error</body></html>');
      case 'wrongVersion':
        return json(res, 200, { jsonrpc: '1.0', result: 1, id });
      case 'noVersion':
        return json(res, 200, { result: 1, id });
      case 'wrongId':
        return json(res, 200, { jsonrpc: '2.0', result: 1, id: (id ?? 0) + 1000 });
      case 'both':
        return json(res, 200, { jsonrpc: '2.0', result: 1, error: { code: 1, message: 'x' }, id });
      case 'neither':
        return json(res, 200, { jsonrpc: '2.0', id });
      case 'badErrorCode':
        return json(res, 200, { jsonrpc: '2.0', error: { code: 'oops', message: 'x' }, id });
      case 'badErrorMessage':
        return json(res, 200, { jsonrpc: '2.0', error: { code: 1 }, id });
      case 'array':
        return json(res, 200, [{ jsonrpc: '2.0', result: 1, id }]);
      case 'scalar':
        return json(res, 200, 42);
      case 'empty':
        res.writeHead(200);
        return res.end();
      case 'http400':
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('SyntaxError: Unexpected end of JSON input');
      case 'unavailable':
        res.writeHead(503);
        return res.end('try later');
      case 'chunked': // no content-length: the answer is read as it streams
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"jsonrpc":"2.0","result":"${'c'.repeat(1000)}",`);
        return res.end(`"id":${id}}`);
      case 'huge':
        return json(res, 200, { jsonrpc: '2.0', result: 'h'.repeat(ANSWER_LIMIT), id });
      case 'hugeChunked':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"jsonrpc":"2.0","result":"${'h'.repeat(ANSWER_LIMIT)}",`);
        return res.end(`"id":${id}}`);
      default:
        return json(res, 200, { jsonrpc: '2.0', result: 'ok', id });
    }
  });

  ferry = await startSidecar(`
limits: { batchItems: 5, bodyBytes: 2048, proxyBodyBytes: ${ANSWER_LIMIT} }
defaults: { retries: 0 }
services:
  calc: { protocol: jsonrpc, endpoints: ["${rpcUrl}"] }
  broken: { protocol: jsonrpc, endpoints: ["${front.url}/rpc"] }
  liar: { protocol: jsonrpc, endpoints: ["${bad.url}"] }
  web: { protocol: http, endpoints: ["${bad.url}"] }
`);
});

after(async () => {
  await ferry?.close();
  await new Promise<void>((resolve) => rpc?.close(() => resolve()));
  rpc?.closeAllConnections();
  await front?.close();
  await bad?.close();
});

async function invoke(service: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${ferry.url}${invokePath(service, method)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function batch(service: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${ferry.url}${batchPath(service)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

test('positional and named params reach jayson; results come back as JSON', async () => {
  const positional = await invoke('calc', 'add', [1, 2, 3.5]);
  assert.equal(positional.status, 200);
  assert.equal(positional.body, 6.5);
  const named = await invoke('calc', 'add', { a: 40, b: 2 });
  assert.equal(named.status, 200);
  assert.equal(named.body, 42);
  const nested = { list: [1, 'two', { three: [true, null] }], text: 'ünïcødé ✓' };
  assert.deepEqual((await invoke('calc', 'echo', nested)).body, nested);
  // No body at all: `params` is an empty array (jayson sees []).
  const empty = await request(`${ferry.url}${invokePath('calc', 'echo')}`, { method: 'POST' });
  assert.deepEqual(await empty.body.json(), []);
});

test('a bare scalar is not JSON-RPC params: 400 before anything is sent', async () => {
  const res = await invoke('calc', 'echo', 42);
  assert.equal(res.status, 400);
  assert.equal((res.body as ErrorBody).code, 'FERRY_ERR_BAD_ARGUMENTS');
});

test('args go upstream as the app wrote them: big numbers keep their digits, unicode and escapes pass unchanged', async () => {
  const sent = async (args: string) => {
    const res = await invoke('liar', 'requestText', args);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as string).replace(/,"id":\d+}$/, ',"id":N}');
  };
  const args = '[12345678901234567890, 19.90, 1e3, "ünïcødé ✓ \\u2028 \\"q\\"", {"deep": {"n": -0.0}}]';
  assert.equal(await sent(args), `{"jsonrpc":"2.0","method":"requestText","params":${args},"id":N}`);
  assert.equal(await sent(' {"a": 1} '), '{"jsonrpc":"2.0","method":"requestText","params": {"a": 1} ,"id":N}');
  // no arguments: no body or `null` is []
  const empty = await request(`${ferry.url}${invokePath('liar', 'requestText')}`, { method: 'POST' });
  assert.match((await empty.body.json()) as string, /^{"jsonrpc":"2.0","method":"requestText","params":\[\],"id":\d+}$/);
  assert.equal(await sent('null'), '{"jsonrpc":"2.0","method":"requestText","params":[],"id":N}');
  assert.equal(await sent(' null '), '{"jsonrpc":"2.0","method":"requestText","params":[],"id":N}');
});

test('args that are not params are refused with the same errors as before, and nothing is sent', async () => {
  let calls = 0;
  const count = () => calls++;
  bad.server.on('request', count);
  try {
    for (const [args, code] of [
      ['"text"', 'FERRY_ERR_BAD_ARGUMENTS'],
      ['7', 'FERRY_ERR_BAD_ARGUMENTS'],
      ['true', 'FERRY_ERR_BAD_ARGUMENTS'],
      ['[1, 2', 'FERRY_ERR_BAD_REQUEST'],
      ['{"a": 1} x', 'FERRY_ERR_BAD_REQUEST'],
    ] as const) {
      const res = await invoke('liar', 'requestText', args);
      assert.equal(res.status, 400, args);
      assert.equal((res.body as ErrorBody).code, code, args);
    }
  } finally {
    bad.server.off('request', count);
  }
  assert.equal(calls, 0);
});

test('propagated headers and explicit attachments travel as HTTP headers', async () => {
  const res = await invoke('calc', 'whoami', [], { authorization: 'Bearer t0k', 'x-ferry-attach-x-tenant': 'acme', 'x-not-allowed': 'no' });
  const seen = res.body as Record<string, string>;
  assert.equal(seen.authorization, 'Bearer t0k');
  assert.equal(seen['x-tenant'], 'acme');
  assert.equal(seen['x-not-allowed'], undefined);
  assert.equal(seen['content-type'], 'application/json');
  assert.ok(seen['x-request-id']);
});

function assertRpcError(
  res: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
  code: string,
  upstreamCode: number,
  data?: unknown,
) {
  const body = res.body as ErrorBody;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers[HEADERS.error], code);
  assert.equal(body.code, code);
  assert.equal(body.upstream?.protocol, 'jsonrpc');
  assert.equal(body.upstream?.status, upstreamCode);
  assert.equal(typeof body.upstream?.message, 'string');
  if (data !== undefined) assert.deepEqual(body.upstream?.data, data);
}

test('every JSON-RPC error class maps to its Ferry code, keeping code, message and data', async () => {
  // -32700 and -32600 are jayson's own answers to a request the front broke on the way.
  const parse = await invoke('broken', 'add', [1, 2], { 'x-ferry-attach-x-break': 'parse' });
  assertRpcError(parse, 502, 'FERRY_ERR_JSONRPC_PARSE_ERROR', -32700);
  assertRpcError(
    await invoke('broken', 'add', [1, 2], { 'x-ferry-attach-x-break': 'request' }),
    502,
    'FERRY_ERR_JSONRPC_INVALID_REQUEST',
    -32600,
  );
  assertRpcError(await invoke('calc', 'nope', []), 404, 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND', -32601);
  assertRpcError(await invoke('calc', 'divide', ['a', 1]), 400, 'FERRY_ERR_JSONRPC_INVALID_PARAMS', -32602, {
    expected: ['number', 'number'],
  });
  assertRpcError(await invoke('calc', 'explode', []), 502, 'FERRY_ERR_JSONRPC_INTERNAL_ERROR', -32603);
  assertRpcError(await invoke('calc', 'busy', []), 502, 'FERRY_ERR_JSONRPC_SERVER_ERROR', -32042, { retryAfterMs: 50 });
  assertRpcError(await invoke('calc', 'reserved', []), 502, 'FERRY_ERR_JSONRPC_SERVER_ERROR', -32099);
  const app = await invoke('calc', 'divide', [1, 0]);
  assertRpcError(app, 502, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR', 1001, { dividend: 1 });
  assert.equal((app.body as ErrorBody).upstream?.message, 'division by zero');
  // The sidecar is still fine.
  assert.equal((await invoke('calc', 'add', [2, 2])).body, 4);
});

test('answers that are not valid JSON-RPC are FERRY_ERR_UPSTREAM_PROTOCOL, never a crash', async () => {
  for (const method of [
    'notJson',
    'html500',
    'wrongVersion',
    'noVersion',
    'wrongId',
    'both',
    'neither',
    'badErrorCode',
    'badErrorMessage',
    'array',
    'scalar',
    'empty',
  ]) {
    const res = await invoke('liar', method, []);
    assert.equal(res.status, 502, method);
    assert.equal((res.body as ErrorBody).code, 'FERRY_ERR_UPSTREAM_PROTOCOL', `${method}: ${JSON.stringify(res.body)}`);
    assert.equal((res.body as ErrorBody).upstream?.protocol, 'jsonrpc');
  }
  const overloaded = await invoke('liar', 'unavailable', []);
  assert.equal(overloaded.status, 503);
  assert.equal((overloaded.body as ErrorBody).code, 'FERRY_ERR_UPSTREAM_OVERLOADED');
  const badRequest = await invoke('liar', 'http400', []);
  assert.equal(badRequest.status, 502);
  assert.equal((badRequest.body as ErrorBody).code, 'FERRY_ERR_UPSTREAM_BAD_REQUEST');
  assert.equal((await invoke('liar', 'fine', [])).body, 'ok');
});

test('an answer is read whole or as it streams, and refused past limits.proxyBodyBytes either way', async () => {
  assert.equal((await invoke('liar', 'chunked', [])).body, 'c'.repeat(1000));
  for (const method of ['huge', 'hugeChunked']) {
    const res = await invoke('liar', method, []);
    assert.equal(res.status, 502, method);
    assert.equal((res.body as ErrorBody).code, 'FERRY_ERR_UPSTREAM_TOO_LARGE', `${method}: ${JSON.stringify(res.body)}`);
  }
  assert.equal((await invoke('liar', 'fine', [])).body, 'ok', 'the connection is still good');
});

test('a batch with mixed results: one request upstream, answers in request order, errors kept per item', async () => {
  const before = seenHeaders.length;
  const res = await batch('calc', [
    { method: 'add', params: [1, 2] },
    { method: 'nope' },
    { method: 'add', params: { a: 5, b: 5 } },
    { method: 'divide', params: [1, 0] },
    { method: 'record', params: ['from-batch'], notification: true },
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(seenHeaders.length - before, 1, 'one HTTP request upstream for the whole batch');
  const items = res.body as Array<{ result?: unknown; error?: ErrorBody; notified?: boolean }>;
  assert.equal(items.length, 5);
  assert.deepEqual(items[0], { result: 3 });
  assert.equal(items[1]!.error?.code, 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND');
  assert.equal(items[1]!.error?.upstream?.status, -32601);
  assert.deepEqual(items[2], { result: 10 });
  assert.equal(items[3]!.error?.code, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR');
  assert.deepEqual(items[3]!.error?.upstream?.data, { dividend: 1 });
  assert.deepEqual(items[4], { notified: true });
  await eventually(() => notified.some((n) => JSON.stringify(n) === '["from-batch"]'));
});

test('batch limits and mistakes: item count, body size, shape, protocol', async () => {
  const tooMany = await batch('calc', Array.from({ length: 6 }, () => ({ method: 'add', params: [1] })));
  assert.equal(tooMany.status, 413);
  assert.equal((tooMany.body as ErrorBody).code, 'FERRY_ERR_PAYLOAD_TOO_LARGE');
  const tooBig = await batch('calc', [{ method: 'echo', params: ['x'.repeat(4096)] }]);
  assert.equal(tooBig.status, 413);
  assert.equal((tooBig.body as ErrorBody).code, 'FERRY_ERR_PAYLOAD_TOO_LARGE');
  for (const body of [
    { method: 'add' },
    [],
    [{ params: [1] }],
    [{ method: 'add', params: 3 }],
    [{ method: 'add', extra: 1 }],
    '[{"method": "add"',
  ]) {
    const res = await batch('calc', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((res.body as ErrorBody).code, /FERRY_ERR_BAD_(REQUEST|ARGUMENTS)/);
  }
  const wrong = await batch('web', [{ method: 'x' }]);
  assert.equal(wrong.status, 400);
  assert.equal((wrong.body as ErrorBody).code, 'FERRY_ERR_WRONG_PROTOCOL');
  assert.equal((await batch('nobody', [{ method: 'x' }])).status, 404);
  // The invoke route has the same body limit.
  assert.equal((await invoke('calc', 'echo', ['x'.repeat(4096)])).status, 413);
});

test('a notification (x-ferry-oneway: true) is answered 202 at once and reaches the server without an id', async () => {
  const res = await invoke('calc', 'record', { note: 'fire-and-forget' }, { [HEADERS.oneWay]: 'true' });
  assert.equal(res.status, 202);
  assert.equal(res.body, undefined);
  await eventually(() => notified.some((n) => JSON.stringify(n) === '{"note":"fire-and-forget"}'));
  // A one-way batch: every item a notification, 202.
  const oneWay = await batch(
    'calc',
    [
      { method: 'record', params: ['b1'] },
      { method: 'record', params: ['b2'] },
    ],
    { [HEADERS.oneWay]: 'true' },
  );
  assert.equal(oneWay.status, 202);
  await eventually(() => notified.some((n) => JSON.stringify(n) === '["b2"]'));
});

test('a connection refused is FERRY_ERR_UPSTREAM_CONNECT', async () => {
  const dead = await startSidecar(`
services:
  gone: { protocol: jsonrpc, endpoints: ["http://127.0.0.1:1/rpc"], retries: 0 }
`);
  try {
    const res = await request(`${dead.url}${invokePath('gone', 'add')}`, { method: 'POST', body: '[1]' });
    const body = (await res.body.json()) as ErrorBody;
    assert.equal(res.statusCode, 502);
    assert.equal(body.code, 'FERRY_ERR_UPSTREAM_CONNECT');
  } finally {
    await dead.close();
  }
});
