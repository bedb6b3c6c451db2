/**
 * Drain under keep-alive load: the sidecar is closed (what SIGTERM does) while 8 callers reuse keep-alive sockets.
 * Every answer is Ferry's: in-flight calls are answered, calls that arrive during the drain get 503
 * FERRY_ERR_SHUTTING_DOWN with the marker, and every answer to a call made during the drain says `Connection: close`.
 * Pass criteria: unmarked 503s: 0; answers during the drain without `Connection: close`: 0; resets: 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { startSidecar, startUpstream, json } from '../support/helpers.js';
import { sleep } from '../support/dubbo-helpers.js';

test('drain under keep-alive load: marked SHUTTING_DOWN, Connection: close on every answer, no resets', async (t) => {
  const upstream = await startUpstream(async (_req, res) => {
    await sleep(50);
    json(res, 200, { ok: true });
  });
  const ferry = await startSidecar(
    `shutdown: { drainTimeoutMs: 3000 }\nservices: { up: { protocol: http, endpoints: ["${upstream.url}"] } }`,
  );
  const pool = new Pool(ferry.url, { connections: 8, pipelining: 1, keepAliveTimeout: 60_000 });
  let draining = false;
  const tally = { attempted: 0, ok: 0, shuttingDown: 0, unmarked503: 0, keptAlive: 0, resets: 0 };
  const errors: string[] = [];
  let running = true;
  const loops = Array.from({ length: 8 }, async () => {
    while (running) {
      tally.attempted++;
      const during = ferry.sidecar.state.shuttingDown;
      try {
        const res = await pool.request({
          path: '/v1/invoke/up/m',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '[]',
        });
        await res.body.dump();
        if (res.statusCode === 200) tally.ok++;
        else if (res.headers[HEADERS.error] === 'FERRY_ERR_SHUTTING_DOWN') tally.shuttingDown++;
        else if (res.statusCode === 503) tally.unmarked503++;
        if (during && res.headers.connection !== 'close') tally.keptAlive++;
      } catch (err) {
        if (!draining) throw err;
        // once Ferry's port is closed new connections are refused: not a reset of a reused socket
        const code = (err as { code?: string }).code ?? (err as Error).message;
        if (code === 'ECONNREFUSED') running = false;
        else {
          tally.resets++;
          errors.push(code);
        }
      }
    }
  });
  await sleep(500);
  draining = true;
  const closed = ferry.close();
  await sleep(300);
  running = false;
  await Promise.all(loops);
  await closed;
  await pool.close();
  await upstream.close();
  const failed = tally.unmarked503 + tally.keptAlive + tally.resets;
  t.diagnostic(
    `figure: drain (SIGTERM) under keep-alive load: ${tally.attempted} calls attempted, ${failed} failed ` +
      `(unmarked 503s ${tally.unmarked503}, kept alive ${tally.keptAlive}, resets ${tally.resets}); ` +
      `${tally.ok} answered 200, ${tally.shuttingDown} marked FERRY_ERR_SHUTTING_DOWN${errors.length ? `; ${errors.join(',')}` : ''}`,
  );
  assert.ok(tally.ok > 8, 'load ran');
  assert.equal(tally.unmarked503, 0, 'unmarked 503s');
  assert.equal(tally.keptAlive, 0, 'answers during the drain without Connection: close');
  assert.equal(tally.resets, 0, `resets: ${errors.join(',')}`);
});
