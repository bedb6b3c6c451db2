/**
 * Dubbo's provider token on Ferry's inbound port (`inbound.dubbo.token`), with real Java 3.3 consumers: published in
 * the registered URL, so a consumer that found Ferry in ZooKeeper calls as usual; a call without it (a direct URL)
 * or with another one is refused as a Java provider's TokenFilter refuses it (RpcException "Invalid token! ...",
 * checked against a real Java 3.3.6 provider started with --token), and never reaches the app.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startZooKeeper, zkClient, zkChildren, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, runConsumer, type ConsumerResult, type JavaPeerJars } from '../harness/java.js';
import { startSidecar, type TestSidecar, dubboServer } from '../support/helpers.js';
import { parseDubboUrl } from '../../src/discovery/zookeeper/dubbo-url.js';
import { providerToken } from '../../src/protocols/dubbo/server/schema.js';
import { NODE_IFACE, inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';

const TOKEN = 'tok-3f9a1c77e2';
let jars: JavaPeerJars;
let zk: ZooKeeperServer;
let app: NodeApp;
let ferry: TestSidecar;
let dubboPort: number;

before(async () => {
  [jars, zk, app] = await Promise.all([ensureJavaPeers(), startZooKeeper(), startNodeApp()]);
  const yaml = inboundYaml({ appUrl: app.url, zkAddress: zk.address }).replace('\n  dubbo:\n', `\n  dubbo:\n    token: ${TOKEN}\n`);
  ferry = await startSidecar(yaml);
  dubboPort = dubboServer(ferry.sidecar).port;
});
after(async () => {
  await ferry?.close();
  await app?.close();
  await zk?.stop();
});

const hello = (r: ConsumerResult) => {
  const line = r.lines.find((l) => l.method === 'hello' && l.call === 'hello');
  assert.ok(line, `no hello line: ${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
  return line;
};

const refusal = (token: string) =>
  new RegExp(
    'org\\.apache\\.dubbo\\.rpc\\.RpcException: Invalid token! Forbid invoke remote service interface ' +
      `${NODE_IFACE.replace(/\./g, '\\.')} method hello\\(\\) from consumer 127\\.0\\.0\\.1 to provider 127\\.0\\.0\\.1, ` +
      `consumer incorrect token is ${token}`,
  );

test('the token is in the registered URL; a Java consumer that found Ferry in ZooKeeper calls with it', async () => {
  const c = await zkClient(zk.address);
  try {
    const [node] = await zkChildren(c, `/dubbo/${NODE_IFACE}/providers`);
    assert.equal(parseDubboUrl(node!).params.token, TOKEN);
  } finally {
    c.close();
  }
  const before = app.seen.length;
  const r = await runConsumer({ jar: jars.jar33, mode: 'typed', zkAddress: zk.address, args: ['--methods', 'hello'] });
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.deepEqual([hello(r).ok, hello(r).value], [true, 'Hello ferry']);
  assert.equal(app.seen.slice(before).filter((s) => s.url === '/hello').length, 2); // hello and hello#emoji
});

test('a call without the token (direct URL) or with another one is refused like Java\'s TokenFilter, the app is not called', async () => {
  const before = app.seen.length;
  const [missing, wrong] = await Promise.all([
    runConsumer({ jar: jars.jar33, mode: 'typed', url: `dubbo://127.0.0.1:${dubboPort}`, args: ['--methods', 'hello'] }),
    runConsumer({ jar: jars.jar33, mode: 'typed', zkAddress: zk.address, args: ['--methods', 'hello'], attachments: { token: 'guess' } }),
  ]);
  for (const [r, token] of [
    [missing, 'null'],
    [wrong, 'guess'],
  ] as const) {
    const line = hello(r);
    assert.equal(line.ok, false, JSON.stringify(line));
    assert.equal(line.exception, 'org.apache.dubbo.rpc.RpcException');
    assert.match(line.message, refusal(token));
  }
  assert.equal(app.seen.slice(before).filter((s) => s.url === '/hello').length, 0, 'refused calls never reach the app');
});

test('token values as Java reads them: true/default = a random one per start, false/empty = none', () => {
  const random = () => 'r4nd0m';
  assert.equal(providerToken(undefined, random), undefined);
  for (const none of ['', 'false', 'FALSE', '0', 'null', 'N/A']) assert.equal(providerToken(none, random), undefined, none);
  assert.equal(providerToken('true', random), 'r4nd0m');
  assert.equal(providerToken('default', random), 'r4nd0m');
  assert.equal(providerToken('s3cret', random), 's3cret');
});
