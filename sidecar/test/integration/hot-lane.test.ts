/**
 * The hot lane (server/hot-lane.ts) answers /v1/invoke and /v1/proxy past fastify: what it takes, what it leaves
 * to fastify, and fastify's semantics it keeps (decoded segments, request ids, HEAD and 204 answers).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let upstream: TestUpstream;
let ferry: TestSidecar;

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    const body = await readBody(req);
    if (req.url === '/empty') {
      res.writeHead(204, { 'x-kept': 'yes' }).end();
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '42' }).end();
      return;
    }
    json(res, 200, { method: req.method, path: req.url, body: body.toString() });
  });
  ferry = await startSidecar(`services:\n  orders: { protocol: http, endpoints: ["${upstream.url}"] }\n`);
});

after(async () => {
  await ferry.close();
  await upstream.close();
});

async function call(path: string, method: 'GET' | 'POST' | 'HEAD' = 'POST', headers: Record<string, string> = {}) {
  const res = await request(`${ferry.url}${path}`, { method, headers, ...(method === 'POST' ? { body: '["a"]' } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

test('segments are decoded as fastify decodes them; a bad percent-encoding is 400; the query is not the method', async () => {
  const invoked = await call('/v1/invoke/or%64ers/create?x=1');
  assert.equal(invoked.status, 200);
  assert.deepEqual(JSON.parse(invoked.text), { method: 'POST', path: '/create', body: '["a"]' });
  const proxied = await call('/v1/proxy/or%64ers/a%2Fb?q=1', 'GET');
  assert.equal(proxied.status, 200);
  assert.equal((JSON.parse(proxied.text) as { path: string }).path, '/a%2Fb?q=1');
  const bad = await call('/v1/invoke/or%zzders/create');
  assert.equal(bad.status, 400);
  assert.equal(bad.headers[HEADERS.error], 'FERRY_ERR_BAD_REQUEST');
});

test('what is not a hot route goes on to fastify: 404 FERRY_ERR_ROUTE_NOT_FOUND', async () => {
  for (const [path, method] of [
    ['/v1/invoke/or%64ers', 'POST'],
    ['/v1/invoke/or%64ers/create/more', 'POST'],
    ['/v1/invoke/or%64ers/create', 'GET'],
    ['/v1/proxy/or%64ers', 'GET'],
    ['/v1/proxy/or%64ers?to=/x', 'GET'],
  ] as const) {
    const res = await call(path, method);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_ROUTE_NOT_FOUND');
    assert.ok(res.headers[HEADERS.requestId]);
  }
});

test("the app's x-request-id is echoed, else one is made; on answers and on Ferry's errors alike", async () => {
  const given = await call('/v1/invoke/or%64ers/create', 'POST', { [HEADERS.requestId]: 'req-42' });
  assert.equal(given.headers[HEADERS.requestId], 'req-42');
  const made = await call('/v1/proxy/nope/x', 'GET');
  assert.equal(made.status, 404);
  assert.equal(made.headers[HEADERS.error], 'FERRY_ERR_SERVICE_NOT_FOUND');
  assert.match(String(made.headers[HEADERS.requestId]), /^[0-9a-f-]{36}$/);
});

test("HEAD keeps the upstream's content-length and sends no body; a 204 goes without content headers", async () => {
  const head = await call('/v1/proxy/or%64ers/x', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '42');
  assert.equal(head.text, '');
  const empty = await call('/v1/proxy/or%64ers/empty', 'GET');
  assert.equal(empty.status, 204);
  assert.equal(empty.headers['x-kept'], 'yes');
  assert.equal(empty.headers['content-length'], undefined);
  assert.equal(empty.headers['content-type'], undefined);
});
