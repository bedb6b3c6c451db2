/**
 * Headers the app sends reach the upstream (HTTP header, JSON-RPC HTTP header) through a real sidecar when
 * they are allow-listed, and only then; per-service overrides apply; trace context is fresh per attempt.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { readBody, json, startSidecar, startUpstream, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let upstream: TestUpstream;
let rpc: TestUpstream;
let ferry: TestSidecar;
let traced: TestSidecar;
const seen: IncomingHttpHeaders[] = [];
const seenRpc: IncomingHttpHeaders[] = [];

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    await readBody(req);
    seen.push(req.headers);
    json(res, 200, { ok: true });
  });
  rpc = await startUpstream(async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString()) as { id: number };
    seenRpc.push(req.headers);
    json(res, 200, { jsonrpc: '2.0', result: 'pong', id: body.id });
  });
  const services = `
services:
  orders: { protocol: http, endpoints: ["${upstream.url}"] }
  public: { protocol: http, endpoints: ["${upstream.url}"], propagation: { exclude: [authorization] } }
  partner: { protocol: http, endpoints: ["${upstream.url}"], propagation: { headers: [x-partner-key] } }
  calc: { protocol: jsonrpc, endpoints: ["${rpc.url}/rpc"] }
`;
  ferry = await startSidecar(services);
  traced = await startSidecar(`tracing: { enabled: true, propagators: [tracecontext, b3multi] }\n${services}`);
});

after(async () => {
  await ferry?.close();
  await traced?.close();
  await upstream?.close();
  await rpc?.close();
});

const APP_HEADERS = {
  authorization: 'Bearer app-token',
  'x-tenant-id': 'tenant-7',
  'x-user-id': 'u-42',
  'x-user-roles': 'admin',
  'x-request-id': 'req-abc',
  'x-not-listed': 'nope',
  cookie: 'session=s3cr3t',
  'x-partner-key': 'pk',
  'content-type': 'application/json',
};

async function last<T>(list: T[], send: () => Promise<Response>): Promise<T> {
  const before = list.length;
  const res = await send();
  assert.equal(res.status, 200, await res.clone().text());
  await res.arrayBuffer();
  assert.equal(list.length, before + 1);
  return list[list.length - 1]!;
}

test('invoke (HTTP): allow-listed headers reach the upstream as headers, others do not', async () => {
  const h = await last(seen, () =>
    fetch(`${ferry.url}/v1/invoke/orders/create`, {
      method: 'POST',
      headers: { ...APP_HEADERS, 'content-type': 'application/json' },
      body: '[]',
    }),
  );
  assert.equal(h.authorization, 'Bearer app-token');
  assert.equal(h['x-tenant-id'], 'tenant-7');
  assert.equal(h['x-user-id'], 'u-42');
  assert.equal(h['x-user-roles'], 'admin');
  assert.equal(h['x-request-id'], 'req-abc');
  assert.equal(h['x-not-listed'], undefined);
  assert.equal(h.cookie, undefined);
  assert.equal(h['x-partner-key'], undefined);
});

test('invoke (JSON-RPC): allow-listed headers reach the JSON-RPC server as HTTP headers, others do not', async () => {
  const h = await last(seenRpc, () => fetch(`${ferry.url}/v1/invoke/calc/ping`, { method: 'POST', headers: APP_HEADERS, body: '[]' }));
  assert.equal(h.authorization, 'Bearer app-token');
  assert.equal(h['x-tenant-id'], 'tenant-7');
  assert.equal(h['x-user-id'], 'u-42');
  assert.equal(h['x-not-listed'], undefined);
  assert.equal(h.cookie, undefined);
});

test('per-service overrides: one service gets authorization, another does not, a third has its own list', async () => {
  const pub = await last(seen, () => fetch(`${ferry.url}/v1/invoke/public/x`, { method: 'POST', headers: APP_HEADERS, body: '[]' }));
  assert.equal(pub.authorization, undefined);
  assert.equal(pub['x-tenant-id'], 'tenant-7');
  const partner = await last(seen, () => fetch(`${ferry.url}/v1/invoke/partner/x`, { method: 'POST', headers: APP_HEADERS, body: '[]' }));
  assert.equal(partner['x-partner-key'], 'pk');
  assert.equal(partner.authorization, undefined);
  assert.equal(partner['x-tenant-id'], undefined);
  // Pass-through forwards the request as sent, minus governed headers the service may not receive.
  const proxied = await last(seen, () => fetch(`${ferry.url}/v1/proxy/public/items?q=1`, { headers: APP_HEADERS }));
  assert.equal(proxied.authorization, undefined);
  assert.equal(proxied['x-not-listed'], 'nope');
  const proxiedOrders = await last(seen, () => fetch(`${ferry.url}/v1/proxy/orders/items`, { headers: APP_HEADERS }));
  assert.equal(proxiedOrders.authorization, 'Bearer app-token');
});

test('explicit x-ferry-attach-* keys travel whatever the allow-list says', async () => {
  const h = await last(seen, () =>
    fetch(`${ferry.url}/v1/invoke/public/x`, { method: 'POST', headers: { ...APP_HEADERS, 'x-ferry-attach-x-extra': 'e1' }, body: '[]' }),
  );
  assert.equal(h['x-extra'], 'e1');
});

test('trace context: passed through as sent when tracing is off; a new child span context when it is on', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = `00-${traceId}-00f067aa0ba902b7-01`;
  const off = await last(seen, () =>
    fetch(`${ferry.url}/v1/invoke/orders/x`, { method: 'POST', headers: { traceparent: parent }, body: '[]' }),
  );
  assert.equal(off.traceparent, parent);
  const on = await last(seen, () =>
    fetch(`${traced.url}/v1/invoke/orders/x`, { method: 'POST', headers: { traceparent: parent, 'x-b3-traceid': 'stale' }, body: '[]' }),
  );
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(on.traceparent));
  assert.ok(m, String(on.traceparent));
  assert.equal(m[1], traceId);
  assert.notEqual(m[2], '00f067aa0ba902b7');
  assert.equal(on['x-b3-traceid'], traceId, 'b3 multi written from the same span');
  assert.equal(on['x-b3-spanid'], m[2]);
  const onRpc = await last(seenRpc, () =>
    fetch(`${traced.url}/v1/invoke/calc/ping`, {
      method: 'POST',
      headers: { b3: `${traceId}-00f067aa0ba902b7-1`, 'content-type': 'application/json' },
      body: '[]',
    }),
  );
  assert.match(String(onRpc.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const proxied = await last(seen, () =>
    fetch(`${traced.url}/v1/proxy/orders/p`, { headers: { traceparent: parent, b3: 'stale-single' } }),
  );
  assert.match(String(proxied.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.equal(proxied.b3, undefined, 'stale app trace headers are not forwarded next to fresh ones');
});
