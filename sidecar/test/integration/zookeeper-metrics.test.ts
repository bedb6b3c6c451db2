/**
 * ZooKeeper and discovery gauges against a real ZooKeeper: provider count per service, session state per
 * registry, as the admin port serves them while providers come and go and ZooKeeper goes away and back.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { startZooKeeper, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { categoryPath, parseDubboUrl, toZkNodeName } from '../../src/discovery/zookeeper/dubbo-url.js';
import { eventually, startSidecar, type TestSidecar } from '../support/helpers.js';

const IFACE = 'com.example.ferry.obs.MetricsService';
let zk: ZooKeeperServer;
let ferry: TestSidecar;
let writer: Client;

before(async () => {
  zk = await startZooKeeper({ tickTime: 500 });
  writer = await zkClient(zk.address);
  ferry = await startSidecar(
    `registries: { main: { address: "${zk.address}", sessionTimeoutMs: 4000 } }
services:
  zkmetrics: { protocol: dubbo, interface: ${IFACE}, version: 1.0.0, registry: main }
`,
  );
});

after(async () => {
  writer?.close();
  await ferry?.close();
  await zk?.stop();
});

const node = (port: number) => {
  const url = parseDubboUrl(`dubbo://127.0.0.1:${port}/${IFACE}?interface=${IFACE}&side=provider&version=1.0.0`);
  return `${categoryPath('/dubbo', IFACE, 'providers')}/${toZkNodeName(url)}`;
};

function create(c: Client, path: string): Promise<void> {
  return new Promise((res, rej) =>
    c.mkdirp(path.slice(0, path.lastIndexOf('/')), (e) =>
      e ? rej(e) : c.create(path, zookeeper.CreateMode.EPHEMERAL, (e2) => (e2 ? rej(e2) : res())),
    ),
  );
}

async function gauge(pattern: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${ferry.adminUrl}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : undefined;
}

const providers = /ferry_registry_providers\{service="zkmetrics"\} (\d+)/;
const connected = /ferry_zookeeper_connected\{registry="main"\} (\d+)/;
const disconnectedState = /ferry_zookeeper_state\{registry="main",state="disconnected"\} (\d+)/;

test('provider count follows the registry; session state follows ZooKeeper', async () => {
  await eventually(async () => (await gauge(connected)) === 1, 10_000);
  assert.equal(await gauge(providers), 0);
  await create(writer, node(20991));
  await create(writer, node(20992));
  await eventually(async () => (await gauge(providers)) === 2, 10_000);

  writer.close();
  await zk.pause();
  await eventually(async () => (await gauge(connected)) === 0 && (await gauge(disconnectedState)) === 1, 10_000);
  await zk.resume();
  await eventually(async () => (await gauge(connected)) === 1, 20_000);
});
