/**
 * Fault: the registry suddenly lists no provider for a service that had one, while the provider (a real Java Dubbo
 * 3.3 provider) is healthy — its ZooKeeper nodes are deleted behind its back, as a wiped namespace or a registry
 * restarted empty would show it. Dubbo's empty protection: the last list keeps serving for
 * `resilience.emptyListProtectionMs`, then the empty list is believed. A second Ferry with the protection off, on
 * the same ZooKeeper, shows what happens without it.
 *
 * Pass criterion: calls lost (any answer but 200) by the protected Ferry within its protection time: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';
import { startZooKeeper, zkChildren, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { postJson, sleep } from '../support/dubbo-helpers.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const PROTECTION_MS = 5000;

let zk: ZooKeeperServer;
let provider: JavaProvider;
let guarded: TestSidecar;
let bare: TestSidecar;

function ferryConfig(protectionMs: number): string {
  return [
    `registries: ${JSON.stringify({ zk: { address: zk.address } })}`,
    `resilience: { emptyListProtectionMs: ${protectionMs} }`,
    `services: ${JSON.stringify({
      matrix: {
        protocol: 'dubbo',
        registry: 'zk',
        interface: MATRIX,
        version: '1.0.0',
        timeoutMs: 3000,
        methods: { whoami: { parameterTypes: [] } },
      },
    })}`,
  ].join('\n');
}

before(async () => {
  const jars = await ensureJavaPeers();
  zk = await startZooKeeper();
  const extraArgs = ['--no-greeting', '--register-mode', 'interface'];
  provider = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'lonely', extraArgs });
  guarded = await startSidecar(`application: ferry-empty-guarded\n${ferryConfig(PROTECTION_MS)}`);
  bare = await startSidecar(`application: ferry-empty-bare\n${ferryConfig(0)}`);
  for (const ferry of [guarded, bare]) {
    await eventually(() => ferry.sidecar.state.ready && ferry.sidecar.runtime().router.get('matrix')!.source.current().length === 1, 15000);
    await eventually(async () => (await postJson(`${ferry.url}/v1/invoke/matrix/whoami`, [])).status === 200, 30000);
  }
});

after(async () => {
  await guarded?.close();
  await bare?.close();
  await provider?.stop();
  await zk?.stop();
});

test('a registry listing no provider at once: the last list serves for emptyListProtectionMs, then NO_ENDPOINT', async (t) => {
  const client = await zkClient(zk.address);
  const path = `/dubbo/${MATRIX}/providers`;
  const nodes = await zkChildren(client, path);
  assert.equal(nodes.length, 1);
  const removedAt = Date.now();
  await new Promise<void>((resolve, reject) => client.remove(`${path}/${nodes[0]!}`, -1, (err) => (err ? reject(err) : resolve())));
  client.close();
  // the bare Ferry believes the empty list within the watch's delay
  await eventually(async () => (await postJson(`${bare.url}/v1/invoke/matrix/whoami`, [])).status === 503, 5000);
  const bareAnswer = await postJson(`${bare.url}/v1/invoke/matrix/whoami`, []);
  assert.equal((bareAnswer.body as { code: string }).code, 'FERRY_ERR_NO_ENDPOINT');

  let attempted = 0;
  let lost = 0;
  while (Date.now() - removedAt < PROTECTION_MS - 1500) {
    const r = await postJson(`${guarded.url}/v1/invoke/matrix/whoami`, []);
    attempted++;
    if (r.status !== 200) lost++;
    await sleep(20);
  }
  t.diagnostic(`figure: empty registry list: ${attempted} calls attempted within the protection time, ${lost} failed`);
  assert.ok(attempted > 10, `${attempted} calls`);
  assert.equal(lost, 0);
  // then the empty list is believed
  await eventually(async () => (await postJson(`${guarded.url}/v1/invoke/matrix/whoami`, [])).status === 503, PROTECTION_MS + 10_000);
  const after = await postJson(`${guarded.url}/v1/invoke/matrix/whoami`, []);
  assert.equal((after.body as { code: string }).code, 'FERRY_ERR_NO_ENDPOINT');
  assert.ok(Date.now() - removedAt >= PROTECTION_MS - 200, 'not before the protection time');
});
