/**
 * Ad-hoc refusal: `POST /v1/dubbo/invoke` reaches only the targets `adhoc` opens. Two traps on loopback count
 * every TCP connection they get: a "provider" port and a "registry" (a configured ZooKeeper address nothing else
 * uses). A sidecar with the defaults (ad-hoc off) and one with an allow-list (one provider address, one registry)
 * are sent calls at the traps — directly, by other spellings of the address (`localhost`, `127.1`, `2130706433`,
 * `dubbo://…`), through the closed registry, and through the console's test call. The allowed target, a real Dubbo
 * provider (Ferry's own inbound port in front of a small app), still answers.
 * Pass criteria: connections to the traps: 0; refused calls not answered 403 FERRY_ERR_TARGET_NOT_ALLOWED with the
 * marker: 0; allowed calls failed: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { HEADERS } from '@ferry/sdk/contract';
import { dubboServer, startSidecar, startUpstream, readBody, json, type TestSidecar, type TestUpstream } from '../support/helpers.js';

interface Trap {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function trap(): Promise<Trap> {
  const sockets = new Set<Socket>();
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const t = { port: 0, connections: 0, close };
  const server: Server = createServer((socket) => {
    t.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.port = (server.address() as AddressInfo).port;
  return t;
}

const ECHO = 'com.example.Echo';
let app: TestUpstream;
let provider: TestSidecar;
let providerPort: number;
let providerTrap: Trap;
let registryTrap: Trap;
let closed: TestSidecar;
let open: TestSidecar;

before(async () => {
  [providerTrap, registryTrap] = await Promise.all([trap(), trap()]);
  app = await startUpstream(async (req, res) => json(res, 200, (JSON.parse((await readBody(req)).toString()) as [string])[0]));
  provider = await startSidecar(`inbound:
  app: { url: "${app.url}" }
  dubbo:
    host: 127.0.0.1
    port: 0
    services:
      - interface: ${ECHO}
        methods: { echo: { http: "POST /echo", parameterTypes: [java.lang.String], returns: java.lang.String } }`);
  providerPort = dubboServer(provider.sidecar).port;
  // the trap registry is configured (so it is a registry the app may name) and used by no service
  const registries = `registries: { trap: { address: "127.0.0.1:${registryTrap.port}", sessionTimeoutMs: 2000 } }`;
  closed = await startSidecar(registries);
  open = await startSidecar(`${registries}\nadhoc: { enabled: true, endpoints: ["127.0.0.1:${providerPort}"] }`);
});

after(async () => {
  await Promise.all([closed?.close(), open?.close(), provider?.close()]);
  await Promise.all([app?.close(), providerTrap?.close(), registryTrap?.close()]);
});

const call = (target: Record<string, string>) => ({
  interface: ECHO,
  method: 'echo',
  parameterTypes: ['java.lang.String'],
  args: ['hi'],
  ...target,
});

async function post(url: string, body: unknown): Promise<{ status: number; marker: string | undefined; body: unknown }> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, marker: res.headers[HEADERS.error] as string | undefined, body: await res.body.json() };
}

test('ad-hoc refusal: nothing off the allow-list is dialled, the allowed provider answers', async (t) => {
  const trapped = (port: number) => [
    { endpoint: `127.0.0.1:${port}` },
    { endpoint: `localhost:${port}` },
    { endpoint: `127.1:${port}` },
    { endpoint: `2130706433:${port}` },
    { endpoint: `dubbo://127.0.0.1:${port}/${ECHO}` },
  ];
  type Target = Record<string, string>;
  // the defaults: off, even for a configured registry and the provider that the other sidecar allows
  const whileOff: Target[] = [...trapped(providerTrap.port), { endpoint: `127.0.0.1:${providerPort}` }, { registry: 'trap' }, {}];
  // on, with an allow-list: other ports, other spellings of the allowed address, a registry not in adhoc.registries
  const offTheList: Target[] = [
    ...trapped(providerTrap.port),
    { endpoint: `localhost:${providerPort}` },
    { endpoint: `127.1:${providerPort}` },
    { registry: 'trap' },
  ];
  const refusals = [...whileOff.map((t) => [closed, t] as const), ...offTheList.map((t) => [open, t] as const)];
  const ROUNDS = 20;
  let attempted = 0;
  let wrong = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const answers = await Promise.all(refusals.map(([ferry, target]) => post(`${ferry.url}/v1/dubbo/invoke`, call(target))));
    answers.forEach((a, i) => {
      attempted++;
      if (a.status !== 403 || a.marker !== 'FERRY_ERR_TARGET_NOT_ALLOWED') {
        wrong++;
        if (round === 0) assert.fail(`${JSON.stringify(refusals[i]![1])}: ${a.status} ${JSON.stringify(a.body)}`);
      }
    });
  }
  // the console's test call goes through the same route
  const consoleCall = await post(`${open.adminUrl}/admin/v1/invoke`, { dubbo: call({ endpoint: `127.0.0.1:${providerTrap.port}` }) });
  assert.equal(consoleCall.status, 200);
  assert.equal((consoleCall.body as { statusCode: number }).statusCode, 403);

  const first = await post(`${closed.url}/v1/dubbo/invoke`, call({ endpoint: `127.0.0.1:${providerTrap.port}` }));
  assert.match((first.body as { message: string }).message, /ad-hoc calls are off.*adhoc\.enabled/);
  const other = await post(`${open.url}/v1/dubbo/invoke`, call({ registry: 'trap' }));
  assert.match((other.body as { message: string }).message, /registry "trap" is not open to ad-hoc calls \(adhoc\.registries\)/);

  let allowedFailed = 0;
  const ALLOWED = 50;
  const direct = call({ endpoint: `127.0.0.1:${providerPort}` });
  const allowed = await Promise.all(
    Array.from({ length: ALLOWED }, (_, i) => post(`${open.url}/v1/dubbo/invoke`, { ...direct, args: [`#${i}`] })),
  );
  allowed.forEach((a, i) => {
    if (a.status !== 200 || a.body !== `#${i}`) allowedFailed++;
  });
  // give a dial that should not have happened time to arrive
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.diagnostic(
    `figure: ad-hoc refusal: ${attempted} refused calls attempted, ${wrong} not refused with the marker; ` +
      `${providerTrap.connections + registryTrap.connections} connections to the traps; ` +
      `${ALLOWED} allowed calls, ${allowedFailed} failed`,
  );
  assert.equal(wrong, 0);
  assert.equal(providerTrap.connections, 0, 'connections to the trap provider');
  assert.equal(registryTrap.connections, 0, 'connections to the trap registry');
  assert.equal(allowedFailed, 0, `allowed calls failed: ${JSON.stringify(allowed.find((a) => a.status !== 200))}`);
});
