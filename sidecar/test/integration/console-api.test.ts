/**
 * The console's JSON API on the admin port (`/admin/v1/…`) against a real sidecar and a real HTTP upstream:
 * figures from real calls, test calls, recent errors, the live feed, the admin token (header, sign-in cookie,
 * never logged), and the pages being served. The browser side is console-browser.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { freePort } from '../harness/ports.js';
import { json, readBody, startUpstream, type TestUpstream } from '../support/helpers.js';
import type { PeerJson } from '../support/peer-json.js';

const TOKEN = 'console-test-admin-token-0123456789';

let upstream: TestUpstream;
let closedPort: number;
const logs: string[] = [];

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    const body = (await readBody(req)).toString();
    if (req.url?.includes('fail')) return json(res, 503, { message: 'upstream says no' });
    return json(res, 200, { echoed: body ? JSON.parse(body) : null, path: req.url });
  });
  closedPort = await freePort();
});
after(async () => upstream?.close());

async function sidecar(extra = ''): Promise<{ sidecar: Sidecar; url: string; admin: string }> {
  const config = parseConfig(
    `listen: { port: 0 }
log: { level: info }
${extra}
services:
  web: { protocol: http, endpoints: ["${upstream.url}"], retries: 0 }
  gone: { protocol: http, endpoints: ["http://127.0.0.1:${closedPort}"], retries: 0, timeoutMs: 1000 }
`,
    'console test',
  );
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const s = await createSidecar({ config, logger: createLogger('info', sink) });
  const { port, adminPort } = await s.start();
  return { sidecar: s, url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}` };
}

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: PeerJson; headers: Record<string, unknown> }> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body, headers: res.headers };
}

async function post(url: string, value: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  });
  return { status: res.statusCode, body: (await res.body.json()) as PeerJson, headers: res.headers };
}

test('without a token: graph, services, errors, test calls and the live feed from real calls', async () => {
  const s = await sidecar('admin: { port: 0 }');
  try {
    for (let i = 0; i < 5; i++) assert.equal((await post(`${s.url}/v1/invoke/web/echo`, { i })).status, 200);
    assert.equal((await post(`${s.url}/v1/invoke/gone/echo`, {})).status, 502);

    const graph = (await get(`${s.admin}/admin/v1/graph`)).body;
    const edge = graph.edges.find((e: PeerJson) => e.id === 'app->service:web');
    assert.equal(edge.calls, 5);
    assert.ok(edge.rps > 0);
    assert.equal(edge.health, 'ok');
    assert.equal(graph.nodes.find((n: PeerJson) => n.id === 'service:gone').health, 'failing');
    const label = upstream.url.replace('http://', '');
    assert.ok(graph.nodes.some((n: PeerJson) => n.id === `endpoint:web/${upstream.url}` && n.label === label));

    const services = (await get(`${s.admin}/admin/v1/services`)).body;
    const web = services.services.find((x: PeerJson) => x.name === 'web');
    assert.equal(web.protocol, 'http');
    assert.equal(web.discovery, 'static');
    assert.equal(web.methods.find((m: PeerJson) => m.name === 'echo').calls, 5);
    assert.equal(web.endpoints[0].state, 'up');
    assert.equal(web.endpoints[0].inFlight, 0);
    const gone = services.services.find((x: PeerJson) => x.name === 'gone');
    assert.equal(gone.endpoints[0].lastError.code, 'FERRY_ERR_UPSTREAM_CONNECT');

    const errors = (await get(`${s.admin}/admin/v1/errors`)).body;
    assert.equal(errors.errors[0].code, 'FERRY_ERR_UPSTREAM_CONNECT');
    assert.equal(errors.errors[0].service, 'gone');
    assert.equal(errors.errors[0].direction, 'outbound');

    const tried = await post(`${s.admin}/admin/v1/invoke`, { service: 'web', method: 'hello', args: ['ferry'] });
    assert.equal(tried.status, 200);
    assert.equal(tried.body.statusCode, 200);
    assert.deepEqual(tried.body.body.echoed, ['ferry']);
    assert.ok(tried.body.ms > 0);
    const failed = await post(`${s.admin}/admin/v1/invoke`, { service: 'nope', method: 'x' });
    assert.equal(failed.body.statusCode, 404);
    assert.equal(failed.body.headers['x-ferry-error'], 'FERRY_ERR_SERVICE_NOT_FOUND');
    assert.equal((await post(`${s.admin}/admin/v1/invoke`, { method: 'x' })).status, 400);

    // the live feed: an SSE stream whose first event is the graph
    const res = await request(`${s.admin}/admin/v1/events`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    let text = '';
    for await (const chunk of res.body) {
      text += chunk;
      if (text.includes('\n\n', text.indexOf('event: graph'))) break;
    }
    res.body.destroy();
    const data = JSON.parse(/event: graph\ndata: (.*)\n/.exec(text)![1]!);
    assert.ok(data.nodes.some((n: PeerJson) => n.id === 'service:web'));

    // the pages, built by `npm run build`
    const page = await get(`${s.admin}/console/`);
    assert.equal(page.status, 200, 'run `npm run build` first');
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal((await get(`${s.admin}/console/app.js`)).status, 200);
    assert.equal((await get(`${s.admin}/console/..%2Fpackage.json`)).status, 404);
    const root = await request(`${s.admin}/`);
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console/');
    await root.body.dump();
    // never on the app's port
    assert.equal((await get(`${s.url}/admin/v1/graph`)).status, 404);
    assert.equal((await get(`${s.url}/console/`)).status, 404);
  } finally {
    await s.sidecar.close();
  }
});

test('with admin.token: refused without it, Bearer and the sign-in cookie let in, probes and metrics stay open, never logged', async () => {
  logs.length = 0;
  const s = await sidecar(`admin: { port: 0, token: "${TOKEN}" }`);
  try {
    const refused = await get(`${s.admin}/admin/v1/graph`);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['x-ferry-error'], 'FERRY_ERR_UNAUTHORIZED');
    assert.equal(refused.body.code, 'FERRY_ERR_UNAUTHORIZED');
    assert.equal((await get(`${s.admin}/admin/v1/graph`, { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await get(`${s.admin}/admin/v1/graph`, { authorization: `Bearer ${TOKEN.slice(0, 10)}` })).status, 401);
    assert.equal((await get(`${s.admin}/admin/v1/graph`, { authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await get(`${s.admin}/admin/v1/events`)).status, 401);
    assert.equal((await post(`${s.admin}/admin/v1/invoke`, { service: 'web', method: 'x' })).status, 401);

    assert.equal((await post(`${s.admin}/admin/v1/login`, { token: 'wrong-token-wrong-token' })).status, 401);
    const login = await post(`${s.admin}/admin/v1/login`, { token: TOKEN });
    assert.equal(login.status, 200);
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN), 'the cookie must not hold the token');
    const session = cookie.split(';')[0]!;
    assert.equal((await get(`${s.admin}/admin/v1/services`, { cookie: session })).status, 200);
    assert.equal((await get(`${s.admin}/admin/v1/services`, { cookie: `${session.slice(0, -2)}00` })).status, 401);
    const res = await request(`${s.admin}/admin/v1/events`, { headers: { cookie: session } });
    assert.equal(res.statusCode, 200);
    res.body.destroy();

    assert.equal((await get(`${s.admin}/healthz`)).status, 200);
    assert.equal((await get(`${s.admin}/metrics`)).status, 200);
    assert.equal((await get(`${s.admin}/console/`)).status, 200); // the page itself holds no data; it asks to sign in

    const config = (await get(`${s.admin}/admin/v1/config`, { authorization: `Bearer ${TOKEN}` })).body;
    assert.equal(config.config.admin.token, '••••••');
    assert.ok(!JSON.stringify(config).includes(TOKEN));
  } finally {
    await s.sidecar.close();
  }
  assert.ok(logs.length > 0);
  assert.ok(!logs.join('').includes(TOKEN), 'the admin token reached the log');
});

test('the last reload shows on the config page; admin.console.enabled: false leaves only probes and metrics', async () => {
  const s = await sidecar('admin: { port: 0 }');
  try {
    await s.sidecar.reload(parseConfig(`services:\n  web: { protocol: http, endpoints: ["${upstream.url}"] }\n`, 'reloaded'));
    const view = (await get(`${s.admin}/admin/v1/config`)).body;
    assert.equal(view.lastReload.ok, true);
    assert.deepEqual(Object.keys(view.config.services), ['web']);
    s.sidecar.console!.reloadRefused('the file is not a valid config (see the log)');
    assert.equal((await get(`${s.admin}/admin/v1/config`)).body.lastReload.ok, false);
  } finally {
    await s.sidecar.close();
  }
  const off = await sidecar('admin: { port: 0, console: { enabled: false } }');
  try {
    assert.equal(off.sidecar.console, undefined);
    assert.equal((await get(`${off.admin}/admin/v1/graph`)).status, 404);
    assert.equal((await get(`${off.admin}/console/`)).status, 404);
    assert.equal((await get(`${off.admin}/healthz`)).status, 200);
  } finally {
    await off.sidecar.close();
  }
});

test('with tracing to Zipkin: a failed call is listed with its trace id and a link into Zipkin', async () => {
  const s = await sidecar(
    `admin: { port: 0 }\ntracing: { enabled: true, exporter: zipkin, endpoint: "http://127.0.0.1:${closedPort}/api/v2/spans" }`,
  );
  try {
    assert.equal(
      (await post(`${s.url}/v1/invoke/gone/echo`, {}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).status,
      502,
    );
    const view = (await get(`${s.admin}/admin/v1/errors`)).body;
    assert.equal(view.zipkin, `http://127.0.0.1:${closedPort}/zipkin/traces/`);
    assert.equal(view.errors[0].traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(view.errors[0].endpoint, `http://127.0.0.1:${closedPort}`);
  } finally {
    await s.sidecar.close();
  }
});
