/**
 * The admin token (`admin.token`) on the admin port, next to the local API token: every `/admin/v1/…` route (and
 * `/metrics` with `admin.protectMetrics`) refuses calls without it, with a wrong one of the same length, of another
 * length, or with a forged sign-in cookie (401 FERRY_ERR_UNAUTHORIZED, marked); the probes and the page stay open;
 * the console's test call works with the local API token set (it goes through the app's route in-process, and
 * carries that token); neither token is ever logged. Without `protectMetrics` Prometheus scrapes `/metrics` as is.
 * Pass criteria: refused calls answered otherwise: 0; test calls that reached the upstream unrefused: 0;
 * log lines holding a token: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { startUpstream, readBody, json, type TestUpstream } from '../support/helpers.js';

const ADMIN_TOKEN = 'adm1n-t0ken-0123456789abcdef';
const API_TOKEN = 'ap1-t0ken-0123456789abcdefgh';
let upstream: TestUpstream;
let upstreamCalls = 0;
let sidecar: Sidecar;
let admin: string;
let logs = '';

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    upstreamCalls++;
    await readBody(req);
    json(res, 200, { ok: true });
  });
  const config = parseConfig(
    `listen: { port: 0 }\nadmin: { port: 0, token: "${ADMIN_TOKEN}", protectMetrics: true }\nlog: { level: trace, requests: true }\n` +
      `services: { up: { protocol: http, endpoints: ["${upstream.url}"] } }`,
    'test config',
  );
  const sink = new Writable({ write: (chunk, _enc, done) => ((logs += chunk.toString()), done()) });
  sidecar = await createSidecar({ config, logger: createLogger('trace', sink), apiToken: API_TOKEN });
  const { adminPort } = await sidecar.start();
  admin = `http://127.0.0.1:${adminPort}`;
});

after(async () => {
  await sidecar?.close();
  await upstream?.close();
});

const GUARDED: Array<[string, string]> = [
  ['GET', '/admin/v1/graph'],
  ['GET', '/admin/v1/events'],
  ['GET', '/admin/v1/services'],
  ['GET', '/admin/v1/registries'],
  ['GET', '/admin/v1/errors'],
  ['GET', '/admin/v1/config'],
  ['GET', '/admin/v1/session'],
  ['POST', '/admin/v1/invoke'],
  ['POST', '/admin/v1/logout'],
  ['GET', '/metrics'],
];

async function call(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await request(`${admin}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: JSON.stringify({ service: 'up', method: 'm', args: [] }) } : {}),
  });
  const text = path === '/admin/v1/events' && res.statusCode === 200 ? (res.body.destroy(), '') : await res.body.text();
  return { status: res.statusCode, marker: res.headers[HEADERS.error], text, type: String(res.headers['content-type']) };
}

test('admin token refusal: /admin/v1/… and /metrics without the right token are 401 and do nothing', async (t) => {
  const wrong: Array<Record<string, string>> = [
    {},
    { authorization: `Bearer ${ADMIN_TOKEN.replace('a', 'b')}` },
    { authorization: `Bearer ${ADMIN_TOKEN}x` },
    { authorization: 'Bearer short' },
    { authorization: ADMIN_TOKEN },
    // the local API's token is not the admin token, and a cookie must be the server's HMAC, not the token
    { authorization: `Bearer ${API_TOKEN}` },
    { cookie: `ferry_console=${ADMIN_TOKEN}` },
  ];
  let attempted = 0;
  let notRefused = 0;
  for (const headers of wrong) {
    for (const [method, path] of GUARDED) {
      attempted++;
      const r = await call(method, path, headers);
      if (r.status !== 401 || r.marker !== 'FERRY_ERR_UNAUTHORIZED') {
        notRefused++;
        assert.fail(`${method} ${path} with ${JSON.stringify(headers)}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    attempted++;
    const login = await request(`${admin}/admin/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN_TOKEN.slice(1) }),
    });
    if (login.statusCode !== 401 || login.headers['set-cookie'] !== undefined) notRefused++;
    await login.body.dump();
  }
  t.diagnostic(
    `figure: admin token refusal: ${attempted} calls without the right token, ${notRefused} not refused, ` +
      `${upstreamCalls} reached the upstream`,
  );
  assert.equal(notRefused, 0);
  assert.equal(upstreamCalls, 0, 'refused test calls that reached the upstream');
  // open: the probes, and the page (static files, no data)
  for (const path of ['/healthz', '/readyz', '/console/']) assert.notEqual((await call('GET', path)).status, 401, path);
});

test('with the admin token: the API, /metrics for a scraper, and test calls with the local API token set', async () => {
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const metrics = await call('GET', '/metrics', bearer);
  assert.equal(metrics.status, 200);
  assert.match(metrics.type, /^text\/plain/);
  assert.match(metrics.text, /ferry_/);
  assert.equal((await call('GET', '/admin/v1/graph', bearer)).status, 200);
  // the console's test call goes through the app's route, which asks for FERRY_API_TOKEN: it carries it
  const tryIt = await call('POST', '/admin/v1/invoke', bearer);
  assert.equal(tryIt.status, 200);
  assert.equal((JSON.parse(tryIt.text) as { statusCode: number }).statusCode, 200, tryIt.text);
  assert.equal(upstreamCalls, 1);
  // the browser's sign-in cookie
  const login = await request(`${admin}/admin/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: ADMIN_TOKEN }),
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  await login.body.dump();
  assert.equal((await call('GET', '/admin/v1/services', { cookie })).status, 200);
  assert.ok(logs.length > 0, 'logging was on');
  const leaks = logs.split('\n').filter((line) => line.includes(ADMIN_TOKEN) || line.includes(API_TOKEN));
  assert.equal(leaks.length, 0, `log lines holding a token: ${leaks.slice(0, 2).join('\n')}`);
});

test('without protectMetrics /metrics stays open for scrapers; protectMetrics needs a token', async () => {
  const open = await createSidecar({
    config: parseConfig(`listen: { port: 0 }\nadmin: { port: 0, token: "${ADMIN_TOKEN}" }`, 'test config'),
    logger: createLogger('silent'),
  });
  const { adminPort } = await open.start();
  try {
    const res = await request(`http://127.0.0.1:${adminPort}/metrics`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    const api = await request(`http://127.0.0.1:${adminPort}/admin/v1/graph`);
    assert.equal(api.statusCode, 401);
    await api.body.dump();
  } finally {
    await open.close();
  }
  assert.throws(
    () => parseConfig('admin: { protectMetrics: true }', 'test'),
    (err: unknown) => err instanceof ConfigError && err.message.includes('admin.protectMetrics: needs admin.token'),
  );
});
