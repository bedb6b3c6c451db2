/**
 * SIGTERM on a Ferry process that serves Java Dubbo consumers: the ZooKeeper node goes first, the read-only
 * event reaches connected consumers, every call in flight is answered, and only then the port closes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'node-zookeeper-client';
import { startZooKeeper, zkClient, zkChildren, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, runConsumer, type JavaPeerJars } from '../harness/java.js';
import { freePort } from '../harness/ports.js';
import { eventually } from '../support/helpers.js';
import { spawnFerry } from '../support/process.js';
import { FrameDecoder, decodeEvent } from '../../src/protocols/dubbo/codec.js';
import { NODE_IFACE, inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';

let jars: JavaPeerJars;
let zk: ZooKeeperServer;
let app: NodeApp;
let dir: string;

before(async () => {
  [jars, zk, app] = await Promise.all([ensureJavaPeers(), startZooKeeper(), startNodeApp()]);
  dir = await mkdtemp(join(tmpdir(), 'ferry-dubbo-shutdown-'));
});
after(async () => {
  await app?.close();
  await zk?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const providers = async (c: Client) => zkChildren(c, `/dubbo/${NODE_IFACE}/providers`).catch(() => [] as string[]);

/** Resolves true when a TCP connect to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

test('SIGTERM during 200 calls: ZooKeeper node removed, read-only event, all calls answered, then the port closes', async (t) => {
  const dubboPort = await freePort();
  const file = join(dir, 'ferry.yaml');
  await writeFile(file, inboundYaml({ appUrl: app.url, zkAddress: zk.address, port: dubboPort }));
  const ferry = await spawnFerry(['--config', file, '--port', '0', '--admin-port', '0', '--log-level', 'info']);
  const c = await zkClient(zk.address);
  let watcher: Socket | undefined;
  try {
    await eventually(async () => (await providers(c)).length === 1, 10_000);

    // a connected consumer (raw) that records when the read-only event arrives
    let readonlyAt = 0;
    watcher = connect({ port: dubboPort, host: '127.0.0.1' });
    const decoder = new FrameDecoder();
    watcher.on('data', (chunk) => {
      for (const f of decoder.push(chunk))
        if (f.request && f.event && decodeEvent(f).kind === 'readonly' && !readonlyAt) readonlyAt = Date.now();
    });
    watcher.on('error', () => {});

    // 200 calls the app takes up to 1.5 s to answer. The consumer runs with Dubbo's default graceful wait
    // (10 s): told by ZooKeeper that the provider is gone, a Java consumer closes its connection once its
    // calls are answered or that wait is over (the harness default, 500 ms, would cut them off).
    app.addJitterMs = 1500;
    const seenBefore = app.seen.length;
    const consumer = runConsumer({
      jar: jars.jar33,
      mode: 'concurrent',
      args: ['200', '--timeout', '20000', '--shutdown-wait', '10000'],
      zkAddress: zk.address,
      timeoutMs: 60_000,
    });
    // every call sent (calls started after the node is gone would find no provider, as with a Java provider)
    await eventually(() => app.seen.slice(seenBefore).filter((s) => s.url === '/add').length >= 200, 30_000, 5);

    // watch ZooKeeper and the port from the outside
    let zkGoneAt = 0;
    let portClosedAt = 0;
    let stop = false;
    const watchZk = (async () => {
      while (!stop && !zkGoneAt) {
        if ((await providers(c)).length === 0) zkGoneAt = Date.now();
        else await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const watchPort = (async () => {
      while (!stop && !portClosedAt) {
        if (await refused(dubboPort)) portClosedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const inFlightAtSignal = app.active();
    const signalAt = Date.now();
    ferry.child.kill('SIGTERM');
    const r = await consumer;
    const code = await ferry.exited;
    stop = true;
    await Promise.all([watchZk, watchPort]);

    t.diagnostic(
      `in flight at SIGTERM: ${inFlightAtSignal}; ZooKeeper node gone +${zkGoneAt - signalAt} ms, ` +
        `read-only +${readonlyAt - signalAt} ms, port closed +${portClosedAt - signalAt} ms`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr.slice(-3000));
    const summary = r.lines.find((l) => l.mode === 'concurrent');
    assert.deepEqual([summary.n, summary.ok, summary.wrong, summary.failed], [200, 200, 0, 0], JSON.stringify(summary.problems));
    assert.equal(code, 0, ferry.output().slice(-3000));
    assert.ok(inFlightAtSignal >= 50, `in flight at SIGTERM: ${inFlightAtSignal}`);
    assert.ok(zkGoneAt > 0 && readonlyAt > 0 && portClosedAt > 0, `zk ${zkGoneAt} readonly ${readonlyAt} port ${portClosedAt}`);
    assert.ok(zkGoneAt < portClosedAt, 'the ZooKeeper node is gone before the port closes');
    assert.ok(readonlyAt <= portClosedAt, 'the read-only event comes before the port closes');
    // Ferry's own account of the order
    const log = ferry.output();
    const at = (msg: string) => log.indexOf(`"msg":"${msg}"`);
    assert.ok(at('dubbo provider unregistered') > 0, log.slice(-3000));
    assert.ok(at('dubbo provider unregistered') < at('dubbo provider port closed'));
  } finally {
    app.addJitterMs = 30;
    watcher?.destroy();
    c.close();
    if (ferry.child.exitCode === null) ferry.child.kill('SIGKILL');
  }
});
