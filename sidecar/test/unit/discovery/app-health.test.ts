import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppHealth } from '../../../src/discovery/app-health.js';
import { startUpstream } from '../../support/helpers.js';
import { freePort } from '../../harness/ports.js';

test('health URL: hysteresis both ways; a 200 whose JSON says DOWN fails; inbound reports are ignored', async () => {
  let answer = { code: 200, status: 'UP' };
  const app = await startUpstream((_req, res) => {
    res.statusCode = answer.code;
    res.end(JSON.stringify({ status: answer.status }));
  });
  // intervalMs long: after the first probe (at once), the test drives them
  const health = new AppHealth({
    healthUrl: `${app.url}/health`,
    appUrl: app.url,
    intervalMs: 60_000,
    failureThreshold: 3,
    successThreshold: 2,
  });
  const verdicts: boolean[] = [];
  try {
    assert.equal(health.healthy, undefined);
    health.subscribe((h) => verdicts.push(h));
    const deadline = Date.now() + 5000;
    while (health.healthy === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(verdicts, [true], 'the first pass is a verdict');

    answer = { code: 200, status: 'DOWN' };
    assert.equal(await health.probe(), false);
    assert.equal(await health.probe(), false);
    assert.equal(health.healthy, true, 'two failures are not enough');
    answer = { code: 200, status: 'UP' };
    await health.probe();
    answer = { code: 503, status: 'DOWN' };
    await health.probe();
    await health.probe();
    assert.equal(health.healthy, true, 'a pass in between starts the count again');
    await health.probe();
    assert.deepEqual(verdicts, [true, false]);

    health.report(true);
    health.report(true);
    assert.equal(health.healthy, false, 'calls do not count when a health URL decides');
    answer = { code: 200, status: 'UP' };
    await health.probe();
    assert.equal(health.healthy, false, 'one pass is not enough to come back');
    await health.probe();
    assert.deepEqual(verdicts, [true, false, true]);
  } finally {
    await health.close();
    await app.close();
  }
});

test('no health URL: calls that cannot reach the app take it down (not slow ones), the app URL is probed until it answers', async () => {
  const { createServer } = await import('node:http');
  const port = await freePort();
  const listen = async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 404; // any answer means the app is there
      res.end();
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return server;
  };
  let server = await listen();
  // intervalMs long: after the first probe (at once), the test drives them
  const health = new AppHealth({ appUrl: `http://127.0.0.1:${port}`, intervalMs: 60_000, failureThreshold: 3, successThreshold: 2 });
  const verdicts: boolean[] = [];
  try {
    assert.equal(health.healthy, true, 'healthy until calls or probes say otherwise');
    assert.equal(await health.verdict(), true);
    health.subscribe((h) => verdicts.push(h));
    assert.equal(await health.probe(), true, 'a 404 is an answer');
    health.report(false);
    health.report(false);
    health.report(true);
    health.report(false);
    health.report(false);
    assert.equal(health.healthy, true);
    health.report(false);
    assert.equal(health.healthy, false);

    server.close();
    server.closeAllConnections();
    assert.equal(await health.probe(), false);
    assert.equal(health.healthy, false);
    server = await listen();
    await health.probe();
    assert.equal(health.healthy, false, 'one pass is not enough to come back');
    await health.probe();
    assert.deepEqual(verdicts, [true, false, true]);
  } finally {
    server.close();
    await health.close();
  }
});

test('no health URL, no calls: an app that stopped listening is found by the probes', async () => {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const health = new AppHealth({ appUrl, intervalMs: 50, timeoutMs: 50, failureThreshold: 3, successThreshold: 2 });
  try {
    const deadline = Date.now() + 5000;
    while (health.healthy !== false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(health.healthy, false);
  } finally {
    await health.close();
  }
});

test('health URL: the first verdict is the first probe, either way', async () => {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const health = new AppHealth({ healthUrl: `${appUrl}/health`, appUrl, intervalMs: 60_000, timeoutMs: 500 });
  const alive = setInterval(() => {}, 100); // the prober's timers are unref'd
  try {
    assert.equal(await health.verdict(), false);
  } finally {
    clearInterval(alive);
    await health.close();
  }
});
