/**
 * Fault: ZooKeeper goes away under load (killed, then frozen with SIGSTOP) while two healthy Java Dubbo 3.3
 * providers keep serving — one publishes its metadata (register-mode all), one does not (interface, its own
 * application: a metadata miss). Nothing on the request path may wait on the registry: the provider list and the
 * provider metadata Ferry already has keep serving, refreshes happen in the background.
 *
 * Pass criterion: calls lost (any answer but 200) during the whole run: 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { postJson, sleep } from '../support/dubbo-helpers.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
/** Longer than the 10 s a metadata miss used to be cached, and than the session timeout. */
const OUTAGE_MS = 13_000;
const WORKERS = 4;

let zk: ZooKeeperServer;
let providers: JavaProvider[] = [];
let ferry: TestSidecar;

before(async () => {
  const jars = await ensureJavaPeers();
  // tickTime 2 s: the providers' sessions (Dubbo's 60 s, capped at 20 ticks) outlive the outage — a longer one
  // expires them and their registrations really go away until they re-register
  zk = await startZooKeeper({ tickTime: 2000 });
  providers = await Promise.all([
    startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'meta', extraArgs: ['--no-greeting'] }),
    startProvider({
      jar: jars.jar33,
      zkAddress: zk.address,
      name: 'plain',
      extraArgs: ['--no-greeting', '--register-mode', 'interface', '--app', 'ferry-plain-provider'],
    }),
  ]);
  ferry = await startSidecar(
    [
      'application: ferry-registry-outage-test',
      `registries: ${JSON.stringify({ zk: { address: zk.address, sessionTimeoutMs: 4000 } })}`,
      `services: ${JSON.stringify({
        matrix: {
          protocol: 'dubbo',
          registry: 'zk',
          interface: MATRIX,
          version: '1.0.0',
          timeoutMs: 2000,
          methods: { whoami: { parameterTypes: [] } },
        },
      })}`,
    ].join('\n'),
  );
  await eventually(() => ferry.sidecar.state.ready && ferry.sidecar.runtime().router.get('matrix')!.source.current().length === 2, 15000);
  // warm-up (a cold JVM's first calls are slow): both providers have answered before the load starts
  const seen = new Set<string>();
  await eventually(async () => {
    const r = await postJson(`${ferry.url}/v1/invoke/matrix/whoami`, []);
    if (r.status === 200) seen.add(String(r.body).split(':')[0]);
    return seen.size === 2;
  }, 30000);
});

after(async () => {
  zk?.thaw();
  await ferry?.close();
  await Promise.all(providers.map((p) => p.stop()));
  await zk?.stop();
});

interface Tally {
  attempted: number;
  failed: number;
  codes: Record<string, number>;
  served: Record<string, number>;
  /** When (ms since the load started) and where calls failed. */
  failures: string[];
}

/** `WORKERS` loops of whoami calls until stopped; every outcome counted. */
function load(): { tally: Tally; stop(): Promise<void> } {
  const tally: Tally = { attempted: 0, failed: 0, codes: {}, served: {}, failures: [] };
  const t0 = Date.now();
  let running = true;
  const loops = Array.from({ length: WORKERS }, async () => {
    while (running) {
      tally.attempted++;
      const started = Date.now();
      const r = await postJson(`${ferry.url}/v1/invoke/matrix/whoami`, []).catch(
        (err: Error) => ({ status: 0, body: { code: err.message } }) as const,
      );
      if (r.status === 200) {
        const who = String(r.body).split(':')[0]!;
        tally.served[who] = (tally.served[who] ?? 0) + 1;
      } else {
        tally.failed++;
        const code = String((r.body as { code?: string } | undefined)?.code ?? r.status);
        tally.codes[code] = (tally.codes[code] ?? 0) + 1;
        const endpoint = (r.body as { upstream?: { endpoint?: string } } | undefined)?.upstream?.endpoint;
        tally.failures.push(`${code} at ${started - t0} ms after ${Date.now() - started} ms (${endpoint ?? '?'})`);
      }
      await sleep(5);
    }
  });
  return {
    tally,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

test(`ZooKeeper killed, then frozen, ${OUTAGE_MS / 1000} s each under load: calls lost 0`, { timeout: 120_000 }, async (t) => {
  const run = load();
  await sleep(1500);
  t.diagnostic('ZooKeeper killed at 1500 ms');
  await zk.pause('SIGKILL');
  await sleep(OUTAGE_MS);
  const killed = { ...run.tally, codes: { ...run.tally.codes } };
  await zk.resume();
  await sleep(3000);
  zk.freeze();
  await sleep(OUTAGE_MS);
  zk.thaw();
  await sleep(1500);
  await run.stop();
  const { tally } = run;
  t.diagnostic(`killed phase (incl. warm-up): ${killed.attempted} calls, ${killed.failed} failed ${JSON.stringify(killed.codes)}`);
  t.diagnostic(
    `whole run: ${tally.attempted} calls, ${tally.failed} failed ${JSON.stringify(tally.codes)}; served ${JSON.stringify(tally.served)}`,
  );
  if (tally.failures.length) t.diagnostic(`failures: ${tally.failures.slice(0, 20).join('; ')}`);
  t.diagnostic(
    `figure: registry outage (ZooKeeper killed ${OUTAGE_MS / 1000} s, then frozen ${OUTAGE_MS / 1000} s, under load): ` +
      `${tally.attempted} calls attempted, ${tally.failed} failed (killed phase ${killed.attempted}/${killed.failed})`,
  );
  assert.ok(tally.attempted > 200, `bounded load ran (${tally.attempted} calls)`);
  assert.equal(tally.failed, 0, `calls lost: ${JSON.stringify(tally.codes)}`);
  assert.ok((tally.served.meta ?? 0) > 0 && (tally.served.plain ?? 0) > 0, 'both providers served');
});
