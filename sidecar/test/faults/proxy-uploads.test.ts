/**
 * Faults on `/v1/proxy` uploads, loopback only, bounded:
 * - stalled uploads (the app sends headers and part of the body, then nothing): the app's slowness is never the
 *   upstream's failure — they end as 408 FERRY_ERR_REQUEST_TIMEOUT, not 504 against the upstream's breaker, and
 *   other callers of the same upstream are unaffected. Pass criteria: stalled uploads answered 504: 0; other
 *   callers failed: 0.
 * - `Expect: 100-continue` (curl sends it by itself for bodies over 1 MB): 200 with the whole body delivered, as
 *   direct to the upstream. Pass criterion: failed: 0 of 3.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { request } from 'undici';
import { startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';

const STALLED = 10;
let upstream: TestUpstream;
let ferry: TestSidecar;

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    const body = await readBody(req);
    json(res, 200, { bytes: body.length });
  });
  ferry = await startSidecar(
    `services: { up: { protocol: http, endpoints: ["${upstream.url}"], timeoutMs: 600, retries: 0 }, ` +
      `big: { protocol: http, endpoints: ["${upstream.url}"] } }`,
  );
});

after(async () => {
  await ferry?.close();
  await upstream?.close();
});

/** Sends headers promising `length` bytes and only 10 of them; resolves with the status line Ferry answers. */
function stalledUpload(port: number, length: number): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5000);
    socket.on('connect', () =>
      socket.write(
        `POST /v1/proxy/up/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n0123456789`,
      ),
    );
    socket.on('data', (d) => {
      data += d.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(data.slice(9, 12)), head: data });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

test(`${STALLED} stalled uploads: 408 FERRY_ERR_REQUEST_TIMEOUT, none 504, other callers unaffected`, async (t) => {
  const stalled = Array.from({ length: STALLED }, () => stalledUpload(Number(new URL(ferry.url).port), 100_000));
  const results = await Promise.all(stalled);
  const statuses = results.map((r) => r.status);
  t.diagnostic(`stalled uploads answered: ${JSON.stringify(statuses)}`);
  assert.equal(statuses.filter((s) => s === 504).length, 0, 'stalled uploads answered 504');
  for (const r of results) {
    assert.equal(r.status, 408, r.head);
    assert.match(r.head, /x-ferry-error: FERRY_ERR_REQUEST_TIMEOUT/i);
  }
  const others = await Promise.all(
    Array.from({ length: 10 }, () =>
      request(`${ferry.url}/v1/proxy/up/upload`, { method: 'POST', body: 'x'.repeat(1000) }).then(async (r) => ({
        status: r.statusCode,
        body: await r.body.text(),
      })),
    ),
  );
  const failed = others.filter((o) => o.status !== 200);
  t.diagnostic(
    `figure: stalled uploads: ${STALLED} stalled, ${statuses.filter((s) => s === 504).length} answered 504; ` +
      `other callers ${others.length} calls, ${failed.length} failed`,
  );
  assert.equal(failed.length, 0, JSON.stringify(failed));
});

/** A Node client doing what curl does for big bodies: send `Expect: 100-continue`, write the body on 100. */
function uploadWithExpect(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { expect: '100-continue', 'content-type': 'application/octet-stream', 'content-length': body.length },
    });
    req.on('continue', () => req.end(body));
    req.on('response', async (res) => resolve({ status: res.statusCode ?? 0, text: (await readBody(res)).toString() }));
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
  });
}

test('Expect: 100-continue on /v1/proxy: 200 as direct, the whole body delivered', async (t) => {
  const body = Buffer.alloc(1_200_000, 7);
  const direct = await uploadWithExpect(`${upstream.url}/upload`, body);
  assert.equal(direct.status, 200);
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await uploadWithExpect(`${ferry.url}/v1/proxy/big/upload`, body));
  const failed = answers.filter((a) => a.status !== 200 || a.text !== JSON.stringify({ bytes: body.length }));
  t.diagnostic(`figure: Expect: 100-continue uploads (1.2 MB): ${answers.length} calls attempted, ${failed.length} failed`);
  for (const viaFerry of answers) {
    assert.equal(viaFerry.status, 200, viaFerry.text);
    assert.deepEqual(JSON.parse(viaFerry.text), { bytes: body.length });
  }
});
