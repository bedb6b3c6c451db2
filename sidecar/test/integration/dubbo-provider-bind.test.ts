/**
 * Where the inbound Dubbo port listens: `inbound.dubbo.host` when configured, else the pod's address (advertiseHost,
 * FERRY_POD_IP, POD_IP), so it is not open on every interface; without a usable pod address, all interfaces, and
 * the log says so once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { dubboServer, startUpstream, json, type TestUpstream } from '../support/helpers.js';

let app: TestUpstream | undefined;
after(() => app?.close());

/** A sidecar with a Dubbo provider, and the warnings it logged. */
async function provider(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<{ sidecar: Sidecar; port: number; warnings: string[] }> {
  app ??= await startUpstream((_req, res) => json(res, 200, 'pong'));
  const config = parseConfig(
    `listen: { port: 0 }\nadmin: { enabled: false }\n${yaml}\n` +
      `inbound:\n  app: { url: "${app.url}" }\n  dubbo:\n    port: 0\n` +
      '    services: [{ interface: com.example.Ping, methods: { ping: { http: "POST /ping", parameterTypes: [] } } }]\n',
    'test',
    env,
  );
  const warnings: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
  const sidecar = await createSidecar({ config, logger });
  await sidecar.start();
  return { sidecar, port: dubboServer(sidecar).port, warnings };
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('the pod address (FERRY_POD_IP) is bound by default: the port is not open on the other interfaces', async () => {
  const { sidecar, port, warnings } = await provider('', { FERRY_POD_IP: '127.0.0.9' });
  try {
    assert.equal(await reachable('127.0.0.9', port), true);
    assert.equal(await reachable('127.0.0.1', port), false, 'not on loopback 127.0.0.1');
    assert.deepEqual(warnings, []);
  } finally {
    await sidecar.close();
  }
});

test('inbound.dubbo.host wins over the pod address', async () => {
  const { sidecar, port } = await provider('advertiseHost: 127.0.0.9', { FERRY_INBOUND__DUBBO__HOST: '127.0.0.1' });
  try {
    assert.equal(await reachable('127.0.0.1', port), true);
    assert.equal(await reachable('127.0.0.9', port), false);
  } finally {
    await sidecar.close();
  }
});

test('no pod address, or one that is not this host\'s: all interfaces, said once in the log', async () => {
  for (const [yaml, why] of [
    ['', /no pod address \(advertiseHost, FERRY_POD_IP, POD_IP\); listening on all interfaces/],
    ['advertiseHost: 203.0.113.9', /the pod address 203\.0\.113\.9 is not an address of this host \(EADDRNOTAVAIL\); listening on all/],
  ] as const) {
    const { sidecar, port, warnings } = await provider(yaml);
    try {
      assert.equal(await reachable('127.0.0.1', port), true);
      assert.equal(await reachable('127.0.0.9', port), true);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, why);
    } finally {
      await sidecar.close();
    }
  }
});
