import { setTimeout as sleep } from 'node:timers/promises';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';
import { startZooKeeper, zkClient, zkChildren, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ZooKeeperSession } from '../../src/discovery/zookeeper/zk-client.js';
import { createZooKeeperSource, registerProvider, registerConsumer, consumerUrl } from '../../src/discovery/zookeeper/providers.js';
import { categoryPath, parseDubboUrl, toZkNodeName } from '../../src/discovery/zookeeper/dubbo-url.js';
import type { ZooKeeperConfig } from '../../src/discovery/zookeeper/schema.js';
import type { Endpoint } from '../../src/discovery/types.js';

const IFACE = 'com.example.ferry.DiscoveryService';
let zk: ZooKeeperServer;
let registry: ZooKeeperConfig;

before(async () => {
  zk = await startZooKeeper({ tickTime: 500 });
  registry = {
    type: 'zookeeper',
    address: zk.address,
    root: '/dubbo',
    sessionTimeoutMs: 3000,
    connectTimeoutMs: 5000,
    discovery: 'auto',
    instancePollMs: 5000,
  };
});
after(async () => {
  await zk?.stop();
});

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms): ${what}`);
    await sleep(20);
  }
}
function create(c: Client, path: string, mode = zookeeper.CreateMode.EPHEMERAL): Promise<void> {
  return new Promise((res, rej) =>
    c.mkdirp(path.slice(0, path.lastIndexOf('/')), (e) => (e ? rej(e) : c.create(path, mode, (e2) => (e2 ? rej(e2) : res())))),
  );
}
function remove(c: Client, path: string): Promise<void> {
  return new Promise((res, rej) => c.remove(path, (e) => (e ? rej(e) : res())));
}
const providerNode = (port: number, extra = '', scheme = 'dubbo') => {
  const url = parseDubboUrl(`${scheme}://127.0.0.1:${port}/${IFACE}?interface=${IFACE}&side=provider${extra}`);
  return `${categoryPath('/dubbo', IFACE, 'providers')}/${toZkNodeName(url)}`;
};
const ids = (eps: readonly Endpoint[]) => eps.map((e) => e.id).join(',');

test('providers added/removed are reflected within 2 s; filters; last good list while ZooKeeper is away', async () => {
  const session = new ZooKeeperSession(zk.address, { sessionTimeoutMs: 3000 });
  const source = createZooKeeperSource(registry, { interface: IFACE, version: '1.0.0', session });
  const writer = await zkClient(zk.address);
  try {
    await source.ready();
    assert.deepEqual(source.current(), []);
    const seen: string[] = [];
    source.subscribe((eps) => seen.push(ids(eps)));

    await create(writer, providerNode(20880, '&version=1.0.0&weight=30'));
    await create(writer, providerNode(20881, '&version=2.0.0')); // other version
    await create(writer, providerNode(20882, '&version=1.0.0&enabled=false')); // disabled
    await create(writer, providerNode(20883, '&version=1.0.0', 'jsonrpc')); // other protocol
    await until('first provider', () => ids(source.current()) === '127.0.0.1:20880');
    assert.equal(source.current()[0]!.weight, 30);

    await create(writer, providerNode(20884, '&version=1.0.0'));
    await until('second provider', () => ids(source.current()) === '127.0.0.1:20880,127.0.0.1:20884');
    await remove(writer, providerNode(20880, '&version=1.0.0&weight=30'));
    await until('first removed (watch re-armed)', () => ids(source.current()) === '127.0.0.1:20884');
    await create(writer, providerNode(20885, '&version=1.0.0'));
    await until('third change', () => ids(source.current()) === '127.0.0.1:20884,127.0.0.1:20885');

    // ZooKeeper goes away: the list stays
    writer.close();
    await zk.pause();
    await sleep(1500);
    assert.equal(ids(source.current()), '127.0.0.1:20884,127.0.0.1:20885');
    await zk.resume();
    const w2 = await zkClient(zk.address);
    try {
      await create(w2, providerNode(20886, '&version=1.0.0'), zookeeper.CreateMode.PERSISTENT);
      await until('change after ZooKeeper came back', () => source.current().some((e) => e.port === 20886), 15000);
    } finally {
      w2.close();
    }
    assert.ok(seen.length >= 4);
  } finally {
    writer.close();
    await source.close();
    await session.close();
  }
});

test('ephemeral registrations come back after session expiry', async () => {
  const session = new ZooKeeperSession(zk.address, { sessionTimeoutMs: 2000 });
  const url = parseDubboUrl(`dubbo://127.0.0.1:30880/${IFACE}?interface=${IFACE}&side=provider&version=9`);
  const reg = await registerProvider(registry, url, { session });
  const creg = await registerConsumer(registry, consumerUrl({ ip: '127.0.0.1', interface: IFACE, application: 'ferry-test' }), { session });
  const reader = await zkClient(zk.address);
  const name = reg.path.slice(reg.path.lastIndexOf('/') + 1);
  try {
    assert.ok((await zkChildren(reader, categoryPath('/dubbo', IFACE, 'providers'))).includes(name));
    assert.equal((await zkChildren(reader, categoryPath('/dubbo', IFACE, 'consumers'))).length, 1);
    const firstId = session.sessionId();
    const gen = session.generation;
    reader.close();
    // ZooKeeper down longer than the session timeout: Ferry starts a new session, the old one expires
    await zk.pause();
    await sleep(3500);
    await zk.resume();
    await until('new session', () => session.generation > gen && session.state === 'connected', 20000);
    assert.notEqual(session.sessionId(), firstId);
    // wait past the old session's expiry on the server: the node must be there (re-created by the new session)
    await sleep(4000);
    const r2 = await zkClient(zk.address);
    try {
      assert.ok((await zkChildren(r2, categoryPath('/dubbo', IFACE, 'providers'))).includes(name), 'provider node re-created');
      assert.equal((await zkChildren(r2, categoryPath('/dubbo', IFACE, 'consumers'))).length, 1, 'consumer node re-created');
      await reg.close();
      await creg.close();
      assert.ok(!(await zkChildren(r2, categoryPath('/dubbo', IFACE, 'providers'))).includes(name), 'unregistered');
    } finally {
      r2.close();
    }
  } finally {
    reader.close();
    await session.close();
  }
});

test('a providers folder created between the read that missed it and the watch ' +
  'is still seen (a consumer starting with its first provider)', async () => {
  const iface = 'com.example.ferry.RaceService';
  const url = parseDubboUrl(`dubbo://127.0.0.1:20890/${iface}?interface=${iface}&side=provider`);
  const node = `${categoryPath('/dubbo', iface, 'providers')}/${toZkNodeName(url)}`;
  const session = new ZooKeeperSession(zk.address, { sessionTimeoutMs: 3000 });
  const writer = await zkClient(zk.address);
  // the provider registers just after the consumer's first read found no folder, before its exists() watch
  const getChildren = session.getChildren.bind(session);
  let raced = false;
  session.getChildren = async (path, watcher) => {
    try {
      return await getChildren(path, watcher);
    } catch (err) {
      if (!raced && path.includes(iface)) {
        raced = true;
        await create(writer, node);
      }
      throw err;
    }
  };
  const source = createZooKeeperSource(registry, { interface: iface, session });
  try {
    await source.ready();
    assert.ok(raced, 'the race was staged');
    await until('the provider registered in the window', () => ids(source.current()) === '127.0.0.1:20890', 3000);
  } finally {
    writer.close();
    await source.close();
    await session.close();
  }
});
