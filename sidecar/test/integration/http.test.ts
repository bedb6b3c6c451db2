import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { connect } from 'node:net';
import { request } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let upstream: TestUpstream;
let other: TestUpstream;
let ferry: TestSidecar;
const seenHeaders: Record<string, string | string[] | undefined>[] = [];

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    seenHeaders.push(req.headers);
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/slow') {
      setTimeout(() => json(res, 200, { late: true }), 1500);
      return;
    }
    if (url.pathname === '/upload') {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of req) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return json(res, 200, { size, sha256: hash.digest('hex') });
    }
    if (url.pathname === '/download') {
      const size = Number(url.searchParams.get('size'));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = (): void => {
        while (sent < size) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          if (!res.write(part)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === '/hop') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'x-upstream-hop',
        'x-upstream-hop': 'secret',
        'keep-alive': 'timeout=9',
        'x-kept': 'yes',
      });
      return res.end('ok');
    }
    if (url.pathname === '/fail') return json(res, 502, { upstreamSays: 'bad gateway of my own' });
    if (url.pathname === '/raw') return json(res, 200, { text: (await readBody(req)).toString() });
    const body = await readBody(req);
    json(res, 200, { method: req.method, path: req.url, body: body.length ? JSON.parse(body.toString()) : null });
  });
  other = await startUpstream((_req, res) => json(res, 200, {}));
  ferry = await startSidecar(`
limits: { bodyBytes: 65536, proxyBodyBytes: 20000000, headerBytes: 8192 }
propagation: { headers: [authorization, x-tenant-id] }
services:
  orders:
    protocol: http
    endpoints: ["${upstream.url}"]
    timeoutMs: 500
  # the same upstream for the bulk-body tests: 10-25 MB through two hops must not race the 500 ms above on a busy box
  bulk:
    protocol: http
    endpoints: ["${upstream.url}"]
    timeoutMs: 20000
  dead:
    protocol: http
    endpoints: ["http://127.0.0.1:1"]
    retries: 0
  halfdead:
    protocol: http
    endpoints: ["http://127.0.0.1:1", "${upstream.url}"]
`);
});

after(async () => {
  await ferry?.close();
  await upstream?.close();
  await other?.close();
});

test('invoke: POST {endpoint}/{method} with the JSON arguments, the answer as JSON', async () => {
  const res = await request(`${ferry.url}/v1/invoke/orders/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t0k', 'x-tenant-id': 't1', 'x-not-listed': 'nope' },
    body: JSON.stringify({ sku: 'A-1', qty: 2 }),
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(await res.body.json(), { method: 'POST', path: '/create', body: { sku: 'A-1', qty: 2 } });
  const seen = seenHeaders.at(-1)!;
  assert.equal(seen.authorization, 'Bearer t0k');
  assert.equal(seen['x-tenant-id'], 't1');
  assert.equal(seen['x-not-listed'], undefined, 'only allow-listed headers travel on invoke');
  assert.ok(seen['x-request-id'], 'the request id travels');
});

test('invoke sends the arguments as the app wrote them: big numbers and decimals keep their text; no body is []', async () => {
  const text = '{"id": 12345678901234567890, "price": 19.90, "name": "caf\\u00e9"}';
  const sent = async (body?: string) => {
    const res = await request(`${ferry.url}/v1/invoke/orders/raw`, { method: 'POST', ...(body === undefined ? {} : { body }) });
    assert.equal(res.statusCode, 200);
    return ((await res.body.json()) as { text: string }).text;
  };
  assert.equal(await sent(text), text);
  assert.equal(await sent(), '[]');
});

test('invoke takes JSON whatever the content type says', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
    const res = await request(`${ferry.url}/v1/invoke/orders/create`, {
      method: 'POST',
      ...(type ? { headers: { 'content-type': type } } : {}),
      body: '["a",1]',
    });
    assert.equal(res.statusCode, 200, String(type));
    assert.deepEqual(((await res.body.json()) as { body: unknown }).body, ['a', 1]);
  }
});

test('pass-through: method, path, query and headers as sent', async () => {
  const res = await request(`${ferry.url}/v1/proxy/orders/items/42?expand=lines`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-custom': 'c' },
    body: '{"a":1}',
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(await res.body.json(), { method: 'PUT', path: '/items/42?expand=lines', body: { a: 1 } });
  assert.equal(seenHeaders.at(-1)!['x-custom'], 'c');
});

// Held whole, a body can be sent again: only then does a call to a service with a dead endpoint always succeed (its
// length upstream cannot tell: undici works out the length of a stream that has ended too).
test('a body that came whole with the request, sized or chunked, is held and sent again after a refused connection', async () => {
  for (let i = 0; i < 6; i++) {
    const res = await request(`${ferry.url}/v1/proxy/halfdead/items`, { method: 'POST', body: `{"n":${i}}` });
    assert.equal(res.statusCode, 200, `sized ${i}: ${res.statusCode === 200 ? '' : await res.body.text()}`);
    assert.deepEqual(await res.body.json(), { method: 'POST', path: '/items', body: { n: i } });
    // chunked, all of it in one write
    const chunked = await rawRequest(
      ferry.url,
      'POST /v1/proxy/halfdead/items HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n' +
        `7\r\n{"n":${i}}\r\n0\r\n\r\n`,
    );
    assert.match(chunked, /^HTTP\/1\.1 200/, `chunked ${i}: ${chunked}`);
    assert.ok(chunked.includes(`"body":{"n":${i}}`), chunked);
  }
  const empty = await request(`${ferry.url}/v1/proxy/orders/items`, { method: 'POST', headers: { 'content-length': '0' }, body: '' });
  assert.equal(empty.statusCode, 200);
  await empty.body.dump();
});

test("an upstream's own 502 passes through unmarked; Ferry's errors carry x-ferry-error", async () => {
  const res = await request(`${ferry.url}/v1/proxy/orders/fail`);
  assert.equal(res.statusCode, 502);
  assert.equal(res.headers[HEADERS.error], undefined);
  assert.deepEqual(await res.body.json(), { upstreamSays: 'bad gateway of my own' });
  const dead = await request(`${ferry.url}/v1/proxy/dead/x`);
  assert.equal(dead.statusCode, 502);
  assert.equal(dead.headers[HEADERS.error], 'FERRY_ERR_UPSTREAM_CONNECT');
  const body = (await dead.body.json()) as Record<string, unknown>;
  assert.equal(body.code, 'FERRY_ERR_UPSTREAM_CONNECT');
  assert.equal(body.statusCode, 502);
  assert.equal(body.error, 'Bad Gateway');
});

test('a streamed 10 MB body goes up and another comes down, byte for byte', async () => {
  const size = 10 * 1024 * 1024;
  const payload = randomBytes(size);
  let sentChunks = 0;
  const body = Readable.from((function* () {
    for (let i = 0; i < size; i += 256 * 1024) {
      sentChunks++;
      yield payload.subarray(i, i + 256 * 1024);
    }
  })());
  const up = await request(`${ferry.url}/v1/proxy/bulk/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  assert.equal(up.statusCode, 200);
  assert.deepEqual(await up.body.json(), { size, sha256: createHash('sha256').update(payload).digest('hex') });
  assert.equal(sentChunks, 40);

  const down = await request(`${ferry.url}/v1/proxy/bulk/download?size=${size}`);
  assert.equal(down.statusCode, 200);
  let received = 0;
  let chunks = 0;
  for await (const chunk of down.body) {
    received += (chunk as Buffer).length;
    chunks++;
  }
  assert.equal(received, size);
  assert.ok(chunks > 1, 'the answer arrived in pieces, not as one buffer');
});

test('timeout → 504 with Ferry error code, at the configured timeout', async () => {
  const started = Date.now();
  const res = await request(`${ferry.url}/v1/proxy/orders/slow`);
  const took = Date.now() - started;
  assert.equal(res.statusCode, 504);
  assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_UPSTREAM_TIMEOUT');
  assert.equal(((await res.body.json()) as { code: string }).code, 'FERRY_ERR_UPSTREAM_TIMEOUT');
  assert.ok(took >= 450 && took < 1400, `took ${took} ms`);
  const shorter = await request(`${ferry.url}/v1/invoke/orders/slow`, {
    method: 'POST',
    body: '[]',
    headers: { [HEADERS.timeout]: '100' },
  });
  assert.equal(shorter.statusCode, 504);
  await shorter.body.dump();
});

test('unknown service → 404 and no connection attempted anywhere', async () => {
  await new Promise((r) => setTimeout(r, 300)); // let earlier tests' connections settle
  const before = [upstream.connections(), other.connections()];
  for (const url of [
    `${ferry.url}/v1/invoke/nope/m`,
    `${ferry.url}/v1/proxy/nope/a/b`,
    `${ferry.url}/v1/proxy/127.0.0.1:${other.port}/x`,
  ]) {
    const res = await request(url, { method: 'POST', body: '[]' });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_SERVICE_NOT_FOUND');
    await res.body.dump();
  }
  assert.deepEqual([upstream.connections(), other.connections()], before);
});

test('an absolute-URL request target or a .. path never leaves the sidecar', async () => {
  const before = [upstream.connections(), other.connections()];
  const abs = await rawRequest(ferry.url, `GET http://127.0.0.1:${other.port}/x HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
  assert.match(abs, /^HTTP\/1.1 404/);
  assert.match(abs, /x-ferry-error: FERRY_ERR_ROUTE_NOT_FOUND/);
  for (const path of ['/v1/proxy/orders/../../admin', '/v1/proxy/orders/a/%2e%2e/%2e%2e/x', '/v1/proxy/orders//127.0.0.1/x']) {
    const res = await rawRequest(ferry.url, `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1.1 (400|404)/, path);
    assert.match(res, /x-ferry-error: FERRY_ERR_/, path);
  }
  assert.deepEqual([upstream.connections(), other.connections()], before);
});

test('oversize bodies → 413 (JSON invoke and streamed pass-through)', async () => {
  const big = JSON.stringify({ blob: 'x'.repeat(70_000) });
  const res = await request(`${ferry.url}/v1/invoke/orders/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: big,
  });
  assert.equal(res.statusCode, 413);
  assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_PAYLOAD_TOO_LARGE');
  await res.body.dump();
  const declared = await request(`${ferry.url}/v1/proxy/bulk/upload`, {
    method: 'POST',
    headers: { 'content-length': '30000000' },
    body: Readable.from([Buffer.alloc(10)]),
  }).catch((err: Error) => err);
  if (!(declared instanceof Error)) {
    assert.equal(declared.statusCode, 413);
    await declared.body.dump();
  }
  const chunked = await request(`${ferry.url}/v1/proxy/bulk/upload`, {
    method: 'POST',
    body: Readable.from((function* () {
      for (let i = 0; i < 25; i++) yield Buffer.alloc(1024 * 1024);
    })()),
  }).catch((err: Error) => err);
  if (!(chunked instanceof Error)) {
    assert.equal(chunked.statusCode, 413);
    assert.equal(chunked.headers[HEADERS.error], 'FERRY_ERR_PAYLOAD_TOO_LARGE');
    await chunked.body.dump();
  }
});

test('oversize headers → 431 with a Ferry error body', async () => {
  const res = await request(`${ferry.url}/v1/invoke/orders/create`, {
    method: 'POST',
    headers: { 'x-big': 'y'.repeat(10_000) },
    body: '[]',
  });
  assert.equal(res.statusCode, 431);
  assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_HEADERS_TOO_LARGE');
  await res.body.dump();
});

test('hop-by-hop headers are stripped both ways', async () => {
  // A raw request: HTTP clients refuse to send most of these headers themselves.
  const res = await rawRequest(
    ferry.url,
    'GET /v1/proxy/orders/hop HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close, x-app-hop\r\nx-app-hop: hidden\r\nte: trailers\r\n' +
      'x-app-kept: yes\r\nproxy-authorization: Basic Zm9v\r\nupgrade: h2c\r\n\r\n',
  );
  assert.match(res, /^HTTP\/1.1 200/);
  assert.doesNotMatch(res, /x-upstream-hop/i);
  assert.match(res, /x-kept: yes/);
  assert.doesNotMatch(res, /timeout=9/);
  const seen = seenHeaders.at(-1)!;
  assert.equal(seen['x-app-hop'], undefined);
  assert.equal(seen['proxy-authorization'], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen.upgrade, undefined);
  assert.equal(seen['x-app-kept'], 'yes');
});

test('malformed JSON → 400; unknown local route → 404; health and readiness', async () => {
  const bad = await request(`${ferry.url}/v1/invoke/orders/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":',
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.headers[HEADERS.error], 'FERRY_ERR_BAD_REQUEST');
  await bad.body.dump();
  const none = await request(`${ferry.url}/v2/whatever`);
  assert.equal(none.statusCode, 404);
  assert.equal(none.headers[HEADERS.error], 'FERRY_ERR_ROUTE_NOT_FOUND');
  await none.body.dump();
  for (const base of [ferry.url, ferry.adminUrl!]) {
    const ready = await request(`${base}/readyz`);
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(await ready.body.json(), { status: 'ready' });
  }
});

/** Sends raw bytes and returns the whole answer (the connection is closed by `connection: close`). */
function rawRequest(base: string, text: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

test('shutdown is bounded by the drain timeout: a request that never finishes arriving is cut', async () => {
  const own = await startSidecar(
    `shutdown: { drainTimeoutMs: 300 }\nservices:\n  orders: { protocol: http, endpoints: ["${upstream.url}"] }\n`,
  );
  const { hostname, port } = new URL(own.url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('POST /v1/invoke/orders/create HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100\r\n\r\n{"half":');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await own.close();
  await Promise.race([
    closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('the half-sent request still holds its connection')), 3000).unref()),
  ]);
  const took = Date.now() - started;
  assert.ok(took < 2000, `close took ${took} ms`);
});
