/**
 * Adding a protocol is one folder and one line: `test/support/lines/` and `[...PROTOCOLS, lines]` below. The
 * sidecar then validates its services, routes calls to it through the shared chain (propagation, retry,
 * balance, breaker, timeout, metrics) and answers the app over the same HTTP API.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PROTOCOLS } from '../../src/protocols/index.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { createSidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { Registry } from 'prom-client';
import { lines } from '../support/lines/index.js';

const protocols = [...PROTOCOLS, lines];

const received: Array<{ method: string; headers: Record<string, string> }> = [];
const upstream = createServer((socket: Socket) => {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (!text.includes('\n')) return;
    const call = JSON.parse(text) as { method: string; args: unknown[]; headers: Record<string, string> };
    received.push(call);
    const answer = call.method === 'upper' ? { result: String(call.args[0]).toUpperCase() } : { error: `no method ${call.method}` };
    socket.end(`${JSON.stringify(answer)}\n`);
  });
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const port = (upstream.address() as AddressInfo).port;
// a port nobody listens on: the first endpoint refuses, retry moves to the live one
const dead = createServer();
await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
const deadPort = (dead.address() as AddressInfo).port;
await new Promise<void>((resolve) => dead.close(() => resolve()));
after(() => upstream.close());

const yaml = `
listen: { port: 0 }
admin: { enabled: false }
defaults: { loadBalancer: roundrobin, retries: 1 }
services:
  shout: { protocol: lines, endpoints: ["127.0.0.1:${deadPort}", "127.0.0.1:${port}"] }
`;

test('a protocol added as one folder + one line: config, the chain, the HTTP API', async () => {
  const metrics = createMetrics(new Registry());
  const config = parseConfig(yaml, 'test', {}, {}, process.cwd(), protocols);
  const sidecar = await createSidecar({ config, logger: createLogger('silent'), protocols, metrics });
  const { port: api } = await sidecar.start();
  try {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${api}/v1/invoke/shout/upper`, {
        method: 'POST',
        headers: { authorization: 'Bearer t' },
        body: '["hi"]',
      });
      assert.equal(res.status, 200);
      assert.equal(await res.json(), 'HI');
    }
    assert.equal(received.at(-1)?.headers.authorization, 'Bearer t', 'propagation through the shared chain');
    const failed = await fetch(`http://127.0.0.1:${api}/v1/invoke/shout/whisper`, { method: 'POST', body: '[]' });
    assert.equal(failed.status, 502);
    assert.equal(failed.headers.get('x-ferry-error'), 'FERRY_ERR_UPSTREAM_EXCEPTION');
    const text = (await metrics.scrape()).body;
    assert.match(text, /ferry_requests_total\{protocol="lines",service="shout",method="upper",code="OK"\} 2/);
    assert.match(text, /ferry_retries_total\{protocol="lines",service="shout",code="FERRY_ERR_UPSTREAM_CONNECT"\} [12]/);
  } finally {
    await sidecar.close();
  }
});

test("the protocol's schema checks its services; without it the name is unknown", () => {
  assert.throws(
    () => parseConfig('services: { s: { protocol: lines } }', 'test', {}, {}, process.cwd(), protocols),
    (err: ConfigError) => err.issues.some((i) => i.path === 'services.s.endpoints' && i.message === 'required for protocol lines'),
  );
  assert.throws(
    () => parseConfig(yaml, 'test'),
    (err: ConfigError) =>
      err.issues.some((i) => i.path === 'services.shout.protocol' && i.message.startsWith('expected one of http, dubbo, jsonrpc, grpc')),
  );
});
