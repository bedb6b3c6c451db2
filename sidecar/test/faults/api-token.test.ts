/**
 * The local API token (`FERRY_API_TOKEN`, header `ferry-api-token`): calls without it, with a wrong one of the same
 * length and with one of another length are refused (401 FERRY_ERR_UNAUTHORIZED, marked); the right one passes;
 * the probes stay open; the SDK sends it from the environment; the upstream never sees it; it is never logged.
 * Pass criteria: refused calls that reached the upstream: 0; log lines holding the token: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { FerryClient } from '@ferry/sdk';
import { HEADERS } from '@ferry/sdk/contract';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { startUpstream, readBody, json, type TestUpstream } from '../support/helpers.js';

const TOKEN = 'f3rry-t0ken-0123456789abcdef';
let upstream: TestUpstream;
let sidecar: Sidecar;
let url: string;
const seen: Array<Record<string, unknown>> = [];
let logs = '';

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    seen.push({ ...req.headers });
    await readBody(req);
    json(res, 200, { ok: true });
  });
  const config = parseConfig(
    `listen: { port: 0 }\nadmin: { port: 0 }\nlog: { requests: true }\n` +
      `services: { up: { protocol: http, endpoints: ["${upstream.url}"] } }`,
    'test config',
  );
  const sink = new Writable({ write: (chunk, _enc, done) => ((logs += chunk.toString()), done()) });
  sidecar = await createSidecar({ config, logger: createLogger('trace', sink), apiToken: TOKEN });
  const { port } = await sidecar.start();
  url = `http://127.0.0.1:${port}`;
});

after(async () => {
  await sidecar?.close();
  await upstream?.close();
});

test('no token, a wrong one, one of another length: 401 FERRY_ERR_UNAUTHORIZED, nothing reaches the upstream', async (t) => {
  let attempted = 0;
  let notRefused = 0;
  for (const headers of [
    {},
    { [HEADERS.apiToken]: TOKEN.replace('f', 'g') },
    { [HEADERS.apiToken]: 'short' },
    { [HEADERS.apiToken]: `${TOKEN}x` },
  ]) {
    for (const path of ['/v1/invoke/up/m', '/v1/proxy/up/x', '/v1/dubbo/invoke']) {
      const res = await request(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '[]',
      });
      attempted++;
      if (res.statusCode !== 401 || res.headers[HEADERS.error] !== 'FERRY_ERR_UNAUTHORIZED') notRefused++;
      assert.equal(res.statusCode, 401, path);
      assert.equal(res.headers[HEADERS.error], 'FERRY_ERR_UNAUTHORIZED');
      assert.equal(((await res.body.json()) as { code: string }).code, 'FERRY_ERR_UNAUTHORIZED');
    }
  }
  t.diagnostic(
    `figure: token refusal: ${attempted} calls without the right token, ${notRefused} not refused, ${seen.length} reached the upstream`,
  );
  assert.equal(seen.length, 0, 'refused calls that reached the upstream');
  for (const probe of ['/healthz', '/readyz']) {
    const res = await request(`${url}${probe}`);
    await res.body.dump();
    assert.notEqual(res.statusCode, 401, probe);
  }
});

test('the right token passes; the SDK sends it from FERRY_API_TOKEN; the upstream never sees it; never logged', async () => {
  const ok = await request(`${url}/v1/proxy/up/x`, { method: 'POST', headers: { [HEADERS.apiToken]: TOKEN }, body: 'x' });
  assert.equal(ok.statusCode, 200);
  await ok.body.dump();
  process.env.FERRY_API_TOKEN = TOKEN;
  try {
    assert.deepEqual(await new FerryClient({ baseUrl: url }).invoke('up', 'm', []), { ok: true });
  } finally {
    delete process.env.FERRY_API_TOKEN;
  }
  await assert.rejects(
    new FerryClient({ baseUrl: url }).invoke('up', 'm', []),
    (err: { code?: string }) => err.code === 'FERRY_ERR_UNAUTHORIZED',
  );
  assert.equal(seen.length, 2);
  for (const headers of seen) assert.equal(headers[HEADERS.apiToken], undefined, 'forwarded upstream');
  assert.ok(logs.length > 0, 'request logging was on');
  assert.equal(logs.split('\n').filter((line) => line.includes(TOKEN)).length, 0, 'log lines holding the token');
});
