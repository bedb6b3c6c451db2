import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { FerryClient, FerryError, runWithHeaders } from '../src/index.js';
import { DEADLINE_KEY } from '../src/context.js';

// The SDK is tested against a real sidecar process (the SDK never imports the sidecar's code).
const FERRY_BIN = fileURLToPath(new URL('../../../sidecar/dist/src/main.js', import.meta.url));

let upstream: Server;
let ferry: ChildProcess;
let dir: string;
let client: FerryClient;
let baseUrl: string;
const seen: Record<string, string | string[] | undefined>[] = [];

before(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/boom') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"oops":true}');
        return;
      }
      if (req.url === '/slow') {
        setTimeout(() => res.end('{}'), 2000);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, body: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-'));
  await writeFile(join(dir, 'ferry.yaml'), `services:\n  shop: { protocol: http, endpoints: ["${url}"], timeoutMs: 1000 }\n`);
  ferry = spawn(process.execPath, [FERRY_BIN, '--config', join(dir, 'ferry.yaml'), '--port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    ferry.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"ferry listening"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    ferry.once('exit', (code) => reject(new Error(`ferry exited ${code}`)));
  });
  baseUrl = `http://127.0.0.1:${port}`;
  client = new FerryClient({ baseUrl });
});

after(async () => {
  ferry?.kill('SIGTERM');
  upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('invoke resolves with the upstream result', async () => {
  assert.deepEqual(await client.invoke('shop', 'order', { sku: 'x' }), { url: '/order', body: { sku: 'x' } });
});

test('typed errors carry the Ferry code: unknown service, timeout', async () => {
  await assert.rejects(client.invoke('nope', 'x'), (err: unknown) => {
    assert.ok(err instanceof FerryError);
    assert.equal(err.code, 'FERRY_ERR_SERVICE_NOT_FOUND');
    assert.equal(err.statusCode, 404);
    assert.equal(err.fromFerry, true);
    return true;
  });
  await assert.rejects(client.invoke('shop', 'slow', [], { timeoutMs: 200 }), {
    code: 'FERRY_ERR_UPSTREAM_TIMEOUT',
    statusCode: 504,
    fromFerry: true,
  });
});

test("an HTTP upstream's error status is an SDK error that says it is not Ferry's", async () => {
  await assert.rejects(client.invoke('shop', 'boom'), (err: unknown) => {
    assert.ok(err instanceof FerryError);
    assert.equal(err.code, 'FERRY_ERR_UPSTREAM_HTTP_STATUS');
    assert.equal(err.statusCode, 500);
    assert.equal(err.fromFerry, false);
    assert.deepEqual(err.body, { oops: true });
    return true;
  });
});

test('the HTTP helper passes through and streams', async () => {
  const res = await client.http('shop', '/items?x=1', {
    method: 'POST',
    body: JSON.stringify({ a: 1 }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: '/items?x=1', body: { a: 1 } });
  const boom = await client.http('shop', '/boom');
  assert.equal(boom.status, 500);
  assert.equal(boom.headers.get('x-ferry-error'), null);
});

test('headers in the ambient context travel with every call; attachments too', async () => {
  await runWithHeaders({ 'x-tenant-id': 'acme' }, () => client.invoke('shop', 'ctx', [], { attachments: { 'x-explicit': 'yes' } }));
  assert.equal(seen.at(-1)!['x-tenant-id'], 'acme');
  assert.equal(seen.at(-1)!['x-explicit'], 'yes');
});

test("inside a request a Ferry sent with its time left, calls ask for no more than is left (the deadline key is never sent)", async () => {
  const timed = new FerryClient({ baseUrl, timeoutMs: 5000 });
  await runWithHeaders({ [DEADLINE_KEY]: String(Date.now() + 300) }, () => timed.invoke('shop', 'ctx', []));
  const asked = Number(seen.at(-1)!['x-ferry-timeout-ms']);
  assert.ok(asked > 0 && asked <= 300, String(asked));
  assert.equal(seen.at(-1)![DEADLINE_KEY], undefined);
  await timed.invoke('shop', 'ctx', []);
  assert.ok(Number(seen.at(-1)!['x-ferry-timeout-ms']) > 300, 'outside such a request: its own timeout');
});

test('an unreachable sidecar is a typed error', async () => {
  const lost = new FerryClient({ baseUrl: 'http://127.0.0.1:1' });
  await assert.rejects(lost.invoke('shop', 'x'), { code: 'FERRY_ERR_SIDECAR_UNREACHABLE', retryable: true });
});
