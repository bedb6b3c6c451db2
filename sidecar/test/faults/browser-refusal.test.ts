/**
 * A web page in a browser on the same machine as a sidecar without tokens: by DNS rebinding (its own name resolving
 * to 127.0.0.1, so the browser lets it read the answers) or by a plain cross-site POST (a JSON body of any content
 * type needs no CORS preflight). On ports bound to loopback (the defaults) Ferry refuses requests whose `Host` is
 * not loopback and requests with an `Origin` of another site — on the local API and on the admin port — while the
 * app, curl, Node's fetch and the console page itself (same origin) get through. Ports bound elsewhere (the
 * injector's admin.host 0.0.0.0, reached by the kubelet at the pod's address) are not affected.
 * Pass criteria: browser-shaped calls that reached the upstream or were answered 200: 0; program calls refused: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';

let upstream: TestUpstream;
let upstreamCalls = 0;
let ferry: TestSidecar;

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    upstreamCalls++;
    await readBody(req);
    json(res, 200, { ok: true });
  });
  ferry = await startSidecar(`services: { up: { protocol: http, endpoints: ["${upstream.url}"] } }`);
});

after(async () => {
  await ferry?.close();
  await upstream?.close();
});

async function post(url: string, headers: Record<string, string>) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...headers },
    body: '{"service":"up","method":"m"}',
  });
  return { status: res.statusCode, marker: res.headers[HEADERS.error], text: await res.body.text() };
}

test('browser refusal: rebinding Hosts and cross-site Origins are refused on loopback ports; programs pass', async (t) => {
  const port = (url: string) => new URL(url).port;
  const browserShaped: Array<Record<string, string>> = [
    { host: `evil.example:${port(ferry.url)}` },
    { host: 'evil.example' },
    { host: '10.0.0.1:4140' },
    { origin: 'http://evil.example' },
    { origin: 'https://evil.example:4140' },
    { origin: 'null' },
    { host: `evil.example:${port(ferry.url)}`, origin: `http://evil.example:${port(ferry.url)}` },
  ];
  let attempted = 0;
  let answered = 0;
  for (const headers of browserShaped) {
    for (const url of [`${ferry.url}/v1/invoke/up/m`, `${ferry.url}/v1/proxy/up/x`, `${ferry.adminUrl}/admin/v1/invoke`]) {
      attempted++;
      const r = await post(url, headers);
      if (r.status === 200) answered++;
      assert.equal(r.status, 400, `${url} ${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.marker, 'FERRY_ERR_BAD_REQUEST');
      assert.match(r.text, /is on loopback and answers only requests addressed to it|does not answer web pages of other sites/);
    }
  }
  t.diagnostic(
    `figure: browser refusal: ${attempted} browser-shaped calls, ${answered} answered, ${upstreamCalls} reached the upstream`,
  );
  assert.equal(upstreamCalls, 0);
  // programs: loopback Hosts in every spelling, no Origin or a loopback one (the console page calling its own port)
  const programs: Array<Record<string, string>> = [
    {},
    { host: 'localhost' },
    { host: `localhost:${port(ferry.url)}` },
    { host: '127.0.0.2' },
    { host: '[::1]:80' },
  ];
  for (const headers of programs) {
    const r = await post(`${ferry.url}/v1/invoke/up/m`, headers);
    assert.equal(r.status, 200, `${JSON.stringify(headers)}: ${r.text}`);
  }
  const consolePage = await request(`${ferry.adminUrl}/admin/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ferry.adminUrl! },
    body: '{"service":"up","method":"m"}',
  });
  assert.equal(consolePage.statusCode, 200, await consolePage.body.text());
  assert.equal((await request(`${ferry.adminUrl}/healthz`)).statusCode, 200);
  // a name of the operator's own, allowed in config
  const named = await createSidecar({
    config: parseConfig(
      `listen: { port: 0, allowedHosts: [ferry.internal] }\nadmin: { enabled: false }\n` +
        `services: { up: { protocol: http, endpoints: ["${upstream.url}"] } }`,
      'test config',
    ),
    logger: createLogger('silent'),
  });
  const namedUrl = `http://127.0.0.1:${(await named.start()).port}`;
  try {
    assert.equal((await post(`${namedUrl}/v1/invoke/up/m`, { host: 'ferry.internal:4140' })).status, 200);
    assert.match((await post(`${namedUrl}/v1/invoke/up/m`, { host: 'other.internal' })).text, /or listen\.allowedHosts/);
  } finally {
    await named.close();
  }
});

test('a port bound beyond loopback keeps answering whatever Host it is reached by', async () => {
  const open = await createSidecar({
    config: parseConfig('listen: { port: 0 }\nadmin: { host: 0.0.0.0, port: 0 }', 'test config'),
    logger: createLogger('silent'),
  });
  const { adminPort } = await open.start();
  try {
    const res = await request(`http://127.0.0.1:${adminPort}/healthz`, { headers: { host: '10.1.2.3:4141' } });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  } finally {
    await open.close();
  }
});
