/**
 * The JSON routes take their bodies alike: JSON whatever the content type says, and arrays or objects nested past
 * `limits.jsonDepth` are the app's 400 (FERRY_ERR_BAD_REQUEST, marked, naming the limit), never a stack overflow
 * answered as 500 or blamed on the upstream as 502 — and nothing reaches the upstream. Routes: `/v1/invoke` to an
 * HTTP, a JSON-RPC (a real jayson server) and a Dubbo service, `/v1/batch`, `/v1/dubbo/invoke`, and the console's
 * test call `/admin/v1/invoke` (which, unlike the local API, takes only `application/json`: a page elsewhere cannot
 * send that without a CORS preflight).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { request } from 'undici';
import jayson from 'jayson';
import { HEADERS } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let http: TestUpstream;
let httpCalls = 0;
let rpc: HttpServer;
let rpcCalls = 0;
let dubboTrap: Server;
let dubboConnections = 0;
let ferry: TestSidecar;

before(async () => {
  http = await startUpstream(async (req, res) => {
    httpCalls++;
    json(res, 200, { body: JSON.parse((await readBody(req)).toString() || 'null') });
  });
  const server = new jayson.Server({
    echo: (params: unknown, done: (err: null, result: unknown) => void) => {
      rpcCalls++;
      done(null, params);
    },
  });
  rpc = server.http();
  await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve));
  dubboTrap = createServer((socket) => {
    dubboConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => dubboTrap.listen(0, '127.0.0.1', resolve));
  const dubboEndpoint = `127.0.0.1:${(dubboTrap.address() as AddressInfo).port}`;
  ferry = await startSidecar(`adhoc: { enabled: true, endpoints: ["${dubboEndpoint}"] }
services:
  web: { protocol: http, endpoints: ["${http.url}"], retries: 0 }
  calc: { protocol: jsonrpc, endpoints: ["http://127.0.0.1:${(rpc.address() as AddressInfo).port}"], retries: 0 }
  users:
    protocol: dubbo
    endpoints: ["${dubboEndpoint}"]
    interface: com.example.Users
    retries: 0
    methods: { save: { parameterTypes: [java.lang.Object] } }`);
});

after(async () => {
  await ferry?.close();
  await http?.close();
  await new Promise((resolve) => rpc?.close(resolve));
  await new Promise((resolve) => dubboTrap?.close(resolve));
});

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Each JSON route with a body whose arguments are `args` (a JSON text). */
const ROUTES: Array<[string, (args: string) => string]> = [
  ['/v1/invoke/web/post', (args) => args],
  ['/v1/invoke/calc/echo', (args) => args],
  ['/v1/invoke/users/save', (args) => `[${args}]`],
  ['/v1/batch/calc', (args) => `[{"method":"echo","params":${args}}]`],
  [
    '/v1/dubbo/invoke',
    (args) =>
      `{"interface":"com.example.Users","method":"save","parameterTypes":["java.lang.Object"],"args":[${args}],` +
      `"endpoint":"127.0.0.1:${(dubboTrap.address() as AddressInfo).port}"}`,
  ],
];

async function post(url: string, body: string, type?: string) {
  const res = await request(url, { method: 'POST', ...(type ? { headers: { 'content-type': type } } : {}), body });
  return { status: res.statusCode, marker: res.headers[HEADERS.error], body: (await res.body.json()) as Record<string, unknown> };
}

test('JSON nested 100,000 levels is a 400 naming limits.jsonDepth on every JSON route, and reaches no upstream', async (t) => {
  let attempted = 0;
  for (const depth of [100_000, 1001]) {
    for (const [path, body] of ROUTES) {
      for (const type of ['application/json', 'text/plain']) {
        attempted++;
        const r = await post(`${ferry.url}${path}`, body(nested(depth)), type);
        assert.equal(r.status, 400, `${path} (${depth}, ${type}): ${JSON.stringify(r.body).slice(0, 300)}`);
        assert.equal(r.marker, 'FERRY_ERR_BAD_REQUEST', path);
        assert.match(String(r.body.message), /deeper than 1000 levels \(limits\.jsonDepth\)/, path);
      }
    }
    // the console's test call: the same limit, and its re-serialized args never overflow
    const testCall = `{"service":"web","method":"post","args":${nested(depth)}}`;
    const c = await post(`${ferry.adminUrl}/admin/v1/invoke`, testCall, 'application/json');
    assert.equal(c.status, 400, JSON.stringify(c.body).slice(0, 300));
    assert.match(String(c.body.message), /limits\.jsonDepth/);
  }
  t.diagnostic(`json depth: ${attempted} over-deep bodies, upstream calls ${httpCalls + rpcCalls}, Dubbo connections ${dubboConnections}`);
  assert.equal(httpCalls + rpcCalls, 0, 'calls that reached an HTTP or JSON-RPC upstream');
  assert.equal(dubboConnections, 0, 'connections to the Dubbo endpoint');
  // at the limit the call goes through
  const ok = await post(`${ferry.url}/v1/invoke/web/post`, nested(1000), 'application/json');
  assert.equal(ok.status, 200);
  const batch = await post(`${ferry.url}/v1/batch/calc`, `[{"method":"echo","params":${nested(998)}}]`, 'application/json');
  assert.equal(batch.status, 200, JSON.stringify(batch.body).slice(0, 300));
});

test('the JSON routes take JSON whatever the content type says; the console API only as application/json', async () => {
  for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined]) {
    const web = await post(`${ferry.url}/v1/invoke/web/post`, '["a",1]', type);
    assert.deepEqual([web.status, web.body.body], [200, ['a', 1]], String(type));
    const calc = await post(`${ferry.url}/v1/invoke/calc/echo`, '["a",1]', type);
    assert.deepEqual([calc.status, calc.body], [200, ['a', 1]], String(type));
    const batch = await post(`${ferry.url}/v1/batch/calc`, '[{"method":"echo","params":["b",2]}]', type);
    assert.equal(batch.status, 200, `${type}: ${JSON.stringify(batch.body)}`);
    assert.deepEqual(batch.body, [{ result: ['b', 2] }]);
    // reaches the route (and its checks) rather than a 415
    const dubbo = await post(`${ferry.url}/v1/dubbo/invoke`, '{"method":"x"}', type);
    assert.deepEqual([dubbo.status, dubbo.body.message], [400, 'body needs "interface" and "method" strings'], String(type));
  }
  // a text/plain body stays a string there, so it is never a call
  const text = await post(`${ferry.adminUrl}/admin/v1/invoke`, '{"service":"web","method":"post","args":["c"]}', 'text/plain');
  assert.equal(text.status, 400);
  const consoleJson = await post(`${ferry.adminUrl}/admin/v1/invoke`, '{"service":"web","method":"post","args":["c"]}', 'application/json');
  assert.equal(consoleJson.status, 200);
});
