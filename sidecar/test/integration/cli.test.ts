import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runFerry, spawnFerry } from '../support/process.js';
import { startUpstream, json } from '../support/helpers.js';

test('ferry --help, --version and a bad flag', async () => {
  const help = await runFerry(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /ferry check CONFIG/);
  const version = await runFerry(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const bad = await runFerry(['--nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option/);
});

test('ferry check: a good config passes, a bad one is refused naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-check-'));
  try {
    await writeFile(join(dir, 'good.yaml'), 'services:\n  orders: { protocol: http, endpoints: ["http://127.0.0.1:8080"] }\n');
    await writeFile(join(dir, 'bad.yaml'), 'services:\n  orders: { protocol: http, endpoints: ["not a url"] }\n');
    const good = await runFerry(['check', join(dir, 'good.yaml')]);
    assert.equal(good.code, 0, good.stderr);
    const bad = await runFerry(['check', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /services\.orders\.endpoints\[0\]: not a URL/);
    const refused = await runFerry(['--config', join(dir, 'bad.yaml')]);
    assert.equal(refused.code, 1, 'the sidecar does not start on a bad config');
    assert.match(refused.stderr, /services\.orders\.endpoints\[0\]: not a URL/);
    // a gRPC proto file that is not there: check fails naming it (it passed), start-up says so without a stack trace
    const grpcService = (proto: string) => `services:\n  g: { protocol: grpc, endpoints: ["h:1"], proto: [${proto}], service: x.Y }\n`;
    await writeFile(join(dir, 'noproto.yaml'), grpcService('missing.proto'));
    const noProto = await runFerry(['check', join(dir, 'noproto.yaml')]);
    assert.equal(noProto.code, 1, noProto.stdout);
    assert.match(noProto.stderr, /services\.g\.proto\[0\]: no such file: .*missing\.proto/);
    const noProtoRun = await runFerry(['--config', join(dir, 'noproto.yaml'), '--port', '0', '--admin-port', '0']);
    assert.equal(noProtoRun.code, 1);
    assert.match(noProtoRun.stderr, /services\.g\.proto\[0\]: no such file/);
    // a proto that is there but does not load, or lacks the service: one line naming the path, no stack trace
    await writeFile(join(dir, 'broken.proto'), 'syntax = "proto3"; message {');
    await writeFile(join(dir, 'broken.yaml'), grpcService('broken.proto'));
    const broken = await runFerry(['--config', join(dir, 'broken.yaml'), '--port', '0', '--admin-port', '0']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^ferry: cannot start: services\.g\.proto: cannot load .*broken\.proto/m);
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the embedded demo config answers the README curl', async () => {
  const ferry = await spawnFerry(['--port', '0', '--admin-port', '0']);
  try {
    const res = await request(`http://127.0.0.1:${ferry.port}/v1/invoke/demo/echo`, { method: 'POST', body: '{"hello":"ferry"}' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(((await res.body.json()) as { body: unknown }).body, { hello: 'ferry' });
    const hello = await request(`http://127.0.0.1:${ferry.port}/v1/proxy/demo/hello?name=ferry`);
    assert.equal(((await hello.body.json()) as { hello: string }).hello, 'ferry');
  } finally {
    ferry.child.kill('SIGTERM');
    assert.equal(await ferry.exited, 0);
  }
});

test('SIGTERM with a request in flight: answered before exit, exit 0, new connections refused', async () => {
  let arrived!: () => void;
  const inFlight = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await startUpstream((_req, res) => {
    arrived();
    setTimeout(() => json(res, 200, { done: true }), 700);
  });
  const dir = await mkdtemp(join(tmpdir(), 'ferry-term-'));
  await writeFile(join(dir, 'ferry.yaml'), `services:\n  slow: { protocol: http, endpoints: ["${upstream.url}"], timeoutMs: 5000 }\n`);
  const ferry = await spawnFerry(['--config', join(dir, 'ferry.yaml'), '--port', '0', '--admin-port', '0']);
  try {
    const pending = request(`http://127.0.0.1:${ferry.port}/v1/invoke/slow/work`, { method: 'POST', body: '[]' });
    await inFlight;
    ferry.child.kill('SIGTERM');
    const res = await pending;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { done: true });
    assert.equal(await ferry.exited, 0);
    assert.match(ferry.output(), /shutting down/);
    await assert.rejects(request(`http://127.0.0.1:${ferry.port}/healthz`));
  } finally {
    ferry.child.kill('SIGKILL');
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the SDK\'s and the injector\'s FERRY_URL / FERRY_API_TOKEN in the same environment do not stop Ferry starting', async () => {
  const ferry = await spawnFerry(['--port', '0', '--admin-port', '0'], {
    FERRY_URL: 'http://127.0.0.1:4140',
    FERRY_API_TOKEN: 'x',
    FERRY_LOG__LEVEL: 'info',
  });
  try {
    const res = await request(`http://127.0.0.1:${ferry.adminPort}/healthz`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  } finally {
    ferry.child.kill('SIGTERM');
    await ferry.exited;
  }
});

test('hot reload: a good file swaps services, a bad one keeps the running config', async () => {
  const a = await startUpstream((_req, res) => json(res, 200, { from: 'a' }));
  const b = await startUpstream((_req, res) => json(res, 200, { from: 'b' }));
  const dir = await mkdtemp(join(tmpdir(), 'ferry-reload-'));
  const file = join(dir, 'ferry.yaml');
  await writeFile(file, `services:\n  s: { protocol: http, endpoints: ["${a.url}"] }\n`);
  const ferry = await spawnFerry(['--config', file, '--port', '0', '--admin-port', '0']);
  const call = async () => {
    const res = await request(`http://127.0.0.1:${ferry.port}/v1/invoke/s/x`, { method: 'POST', body: '[]' });
    return ((await res.body.json()) as { from?: string }).from;
  };
  try {
    assert.equal(await call(), 'a');
    await writeFile(file, `services:\n  s: { protocol: http, endpoints: ["not a url"] }\n`);
    ferry.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await call(), 'a', 'a bad file keeps the old config');
    assert.match(ferry.output(), /config reload refused/);
    await writeFile(file, `services:\n  s: { protocol: http, endpoints: ["${b.url}"] }\n`);
    ferry.child.kill('SIGHUP');
    const until = Date.now() + 3000;
    let from = await call();
    while (from !== 'b' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      from = await call();
    }
    assert.equal(from, 'b');
  } finally {
    ferry.child.kill('SIGTERM');
    await ferry.exited;
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
});
