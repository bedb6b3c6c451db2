/**
 * Ferry → several real Java Dubbo 3.3 providers found through a real ZooKeeper: the four load balancers,
 * providers added and removed (measured: Ferry uses/drops them within 2 s), a graceful SIGTERM stop under load
 * (no call lost) and a SIGKILL under load (only calls in flight on the killed connection may fail, and then with
 * FERRY_ERR_UPSTREAM_RESET). One ZooKeeper, three provider JVMs (the third one joins and leaves mid-file).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'node-zookeeper-client';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';
import { startZooKeeper, zkClient, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, startProvider, type JavaPeerJars, type JavaProvider } from '../harness/java.js';
import type { Endpoint } from '../../src/discovery/types.js';
import { postJson, sleep, type Answer } from '../support/dubbo-helpers.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const METHODS = {
  whoami: { parameterTypes: [] },
  record: { parameterTypes: ['java.lang.String'] },
  recordCount: { parameterTypes: ['java.lang.String'] },
  sleep: { parameterTypes: ['long'], timeoutMs: 1200 },
  echoString: { parameterTypes: ['java.lang.String'] },
};

let jars: JavaPeerJars;
let zk: ZooKeeperServer;
let p1: JavaProvider;
let p2: JavaProvider;
let p3: JavaProvider | undefined;
let ferry: TestSidecar;
let watcher: Client;

const service = (loadBalancer: string, extra: Record<string, unknown> = {}) => ({
  protocol: 'dubbo',
  registry: 'zk',
  interface: MATRIX,
  version: '1.0.0',
  loadBalancer,
  timeoutMs: 3000,
  methods: METHODS,
  ...extra,
});

before(async () => {
  jars = await ensureJavaPeers();
  zk = await startZooKeeper({ tickTime: 500 });
  [p1, p2] = await Promise.all([
    // interface-level registration only (no metadata center): Ferry has only its config to go by
    startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'p1', extraArgs: ['--no-greeting', '--register-mode', 'interface'] }),
    startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'p2', extraArgs: ['--no-greeting', '--register-mode', 'interface'] }),
  ]);
  ferry = await startSidecar(
    [
      'application: ferry-dubbo-cluster-test',
      'adhoc: { enabled: true, endpoints: ["127.0.0.1:*"] }',
      `registries: ${JSON.stringify({ zk: { address: zk.address, sessionTimeoutMs: 5000 } })}`,
      `services: ${JSON.stringify({
        rr: service('roundrobin'),
        random: service('random'),
        hash: service('consistenthash', { methods: { ...METHODS, record: { parameterTypes: ['java.lang.String'], hashArguments: [0] } } }),
        least: service('leastactive'),
        noretry: service('roundrobin', { retries: 0 }),
        bare: { protocol: 'dubbo', registry: 'zk', interface: MATRIX, version: '1.0.0' },
      })}`,
    ].join('\n'),
  );
  await eventually(() => ferry.sidecar.state.ready && endpointsOf('rr').length === 2, 10000);
  watcher = await zkClient(zk.address);
});

after(async () => {
  watcher?.close();
  await ferry?.close();
  await Promise.all([p1, p2, p3].map((p) => p?.stop()));
  await zk?.stop();
});

const invoke = (svc: string, method: string, args: unknown[] = []): Promise<Answer> =>
  postJson(`${ferry.url}/v1/invoke/${svc}/${method}`, args);

async function who(svc: string): Promise<string> {
  const r = await invoke(svc, 'whoami');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body).split(':')[0]!;
}

function endpointsOf(svc: string): readonly Endpoint[] {
  return ferry.sidecar.runtime().router.get(svc)!.source.current();
}

/** Direct (registry-less) ad-hoc call to one provider. */
async function direct(p: JavaProvider, method: string, parameterTypes: string[], args: unknown[]): Promise<unknown> {
  const r = await postJson(`${ferry.url}/v1/dubbo/invoke`, {
    interface: MATRIX,
    version: '1.0.0',
    endpoint: `127.0.0.1:${p.port}`,
    method,
    parameterTypes,
    args,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Times (Date.now()) at which the provider list in ZooKeeper changed, with the children then. */
function watchProviders(): { changes: Array<{ t: number; children: string[] }>; stop(): void } {
  const changes: Array<{ t: number; children: string[] }> = [];
  let stopped = false;
  const path = `/dubbo/${MATRIX}/providers`;
  const arm = () => {
    if (stopped) return;
    watcher.getChildren(
      path,
      () => arm(),
      (err, children) => {
        if (!err) changes.push({ t: Date.now(), children: children.map((c) => decodeURIComponent(c)) });
      },
    );
  };
  arm();
  return { changes, stop: () => (stopped = true) };
}

interface Outcome {
  t: number;
  ok: boolean;
  who?: string;
  code?: string;
  endpoint?: string;
  ms: number;
}

/** `workers` loops of whoami calls until `stop` resolves; every outcome recorded. */
function load(svc: string, workers: number): { outcomes: Outcome[]; stop(): Promise<void> } {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const t = Date.now();
      try {
        const r = await invoke(svc, 'whoami');
        outcomes.push(
          r.status === 200
            ? { t, ok: true, who: String(r.body).split(':')[0]!, ms: r.ms }
            : { t, ok: false, code: r.body?.code ?? String(r.status), endpoint: r.body?.upstream?.endpoint, ms: r.ms },
        );
      } catch (err) {
        outcomes.push({ t, ok: false, code: (err as Error).message, ms: Date.now() - t });
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});

test('roundrobin alternates strictly between the two providers', async (t) => {
  const seq: string[] = [];
  const ms: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = Date.now();
    seq.push(await who('rr'));
    ms.push(Date.now() - t0);
  }
  t.diagnostic(`first calls (ms): ${ms.join(' ')}`);
  for (let i = 1; i < seq.length; i++) assert.notEqual(seq[i], seq[i - 1], seq.join(','));
  assert.deepEqual(count(seq), { p1: 5, p2: 5 });
});

test('providers without published metadata: undeclared parameter types are asked for, declared ones work', async () => {
  const r = await invoke('bare', 'echoString', ['x']);
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.code, 'FERRY_ERR_BAD_ARGUMENTS');
  assert.match(r.body.message, /declare methods\.echoString\.parameterTypes/);
  // a no-argument method needs no types
  assert.match(String((await invoke('bare', 'whoami')).body), /^p[12]:\d+$/);
  assert.equal((await invoke('rr', 'echoString', ['x'])).body, 'x');
});

test('random (weighted, equal weights) uses both providers about evenly', async () => {
  const seq = await Promise.all(Array.from({ length: 200 }, () => who('random')));
  const c = count(seq);
  assert.ok((c.p1 ?? 0) > 60 && (c.p2 ?? 0) > 60, JSON.stringify(c));
});

test('consistenthash sticks per key (hashArguments [0]) and spreads keys over both providers', async () => {
  const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
  for (let round = 0; round < 3; round++) {
    for (const k of keys) assert.equal((await invoke('hash', 'record', [k])).status, 200);
  }
  const owners: Record<string, number> = {};
  for (const k of keys) {
    const [c1, c2] = [
      Number(await direct(p1, 'recordCount', ['java.lang.String'], [k])),
      Number(await direct(p2, 'recordCount', ['java.lang.String'], [k])),
    ];
    // all three calls of a key landed on the same provider
    assert.ok((c1 === 3 && c2 === 0) || (c1 === 0 && c2 === 3), `${k}: p1=${c1} p2=${c2}`);
    const owner = c1 === 3 ? 'p1' : 'p2';
    owners[owner] = (owners[owner] ?? 0) + 1;
  }
  assert.ok((owners.p1 ?? 0) >= 2 && (owners.p2 ?? 0) >= 2, JSON.stringify(owners));
});

test('leastactive avoids the provider busy with a slow call', async () => {
  // one slow call (timeoutMs 1200, the provider sleeps 2000): it stays in flight ~1.2 s on one provider
  const slow = invoke('least', 'sleep', [2000]);
  await sleep(100);
  const during: string[] = [];
  for (let i = 0; i < 10; i++) during.push(await who('least'));
  const s = await slow;
  assert.equal(s.status, 504, JSON.stringify(s.body));
  const busyPort = Number(String(s.body.upstream.endpoint).split(':')[1]);
  const busy = busyPort === p1.port ? 'p1' : 'p2';
  assert.deepEqual(count(during), { [busy === 'p1' ? 'p2' : 'p1']: 10 }, `busy: ${busy}`);
  // nothing in flight any more: both are used again
  const after = await Promise.all(Array.from({ length: 40 }, () => who('least')));
  assert.equal(Object.keys(count(after)).length, 2, JSON.stringify(count(after)));
});

test('a provider added in ZooKeeper is used within 2 s; ' +
  'removed by a graceful SIGTERM under load: dropped within 2 s, no call lost', async (t) => {
  const zkSeen = watchProviders();
  const ferrySeen: Array<{ t: number; ids: string[] }> = [];
  const unsubscribe = ferry.sidecar
    .runtime()
    .router.get('rr')!
    .source.subscribe((eps) => ferrySeen.push({ t: Date.now(), ids: eps.map((e) => e.id) }));
  try {
    p3 = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'p3', extraArgs: ['--no-greeting'] });
    const id3 = `127.0.0.1:${p3.port}`;
    const added = (await eventually(() => zkSeen.changes.find((c) => c.children.some((u) => u.includes(`:${p3!.port}/`))), 5000))!;
    const known = (await eventually(() => ferrySeen.find((c) => c.ids.includes(id3)), 5000))!;
    // first call answered by p3
    let firstUse = 0;
    for (let i = 0; i < 100 && !firstUse; i++) if ((await who('rr')) === 'p3') firstUse = Date.now();
    assert.ok(firstUse, 'p3 never answered');
    t.diagnostic(`provider added: ZooKeeper → Ferry's list ${known.t - added.t} ms, → first call served ${firstUse - added.t} ms`);
    assert.ok(known.t - added.t <= 2000, `${known.t - added.t} ms`);
    // the first call also pays the new JVM's cold start (seconds under load): Ferry's part is the list above
    assert.ok(firstUse - known.t <= 5000, `${firstUse - known.t} ms`);

    // graceful stop of p3 while 4 workers keep calling, and while slow calls are in flight on every provider
    const l = load('rr', 4);
    let stopAt: number;
    let code: number | null;
    let slowAnswers: Answer[];
    try {
      await sleep(500);
      const slow = Array.from({ length: 3 }, () => invoke('rr', 'sleep', [600]));
      await sleep(100);
      stopAt = Date.now();
      code = await p3.stop();
      slowAnswers = await Promise.all(slow);
      await sleep(500);
    } finally {
      await l.stop();
    }
    // Java answers what it was given before it goes; Ferry must not cut those calls off when the node disappears
    assert.deepEqual(
      slowAnswers.map((r) => `${r.status} ${JSON.stringify(r.body)}`),
      ['200 600', '200 600', '200 600'],
      'calls in flight on the stopping provider complete',
    );
    const removed = zkSeen.changes.find((c) => c.t >= stopAt && !c.children.some((u) => u.includes(`:${p3!.port}/`)));
    const dropped = ferrySeen.find((c) => c.t >= stopAt && !c.ids.includes(id3));
    assert.ok(removed, 'p3 unregistered from ZooKeeper');
    assert.ok(dropped, "p3 dropped from Ferry's list");
    t.diagnostic(
      `graceful stop (exit ${code}): SIGTERM → unregistered ${removed.t - stopAt} ms; ` +
        `ZooKeeper → Ferry dropped it ${dropped.t - removed.t} ms`,
    );
    assert.ok(dropped.t - removed.t <= 2000, `${dropped.t - removed.t} ms`);
    const failures = l.outcomes.filter((o) => !o.ok);
    const served = count(l.outcomes.filter((o) => o.ok).map((o) => o.who!));
    t.diagnostic(`graceful stop under load: ${l.outcomes.length} calls, served ${JSON.stringify(served)}, failed ${failures.length}`);
    assert.deepEqual(failures, [], 'a graceful stop loses no call');
    assert.ok((served.p3 ?? 0) > 0, 'p3 served calls before it stopped');
    // and afterwards only p1/p2
    const afterStop = await Promise.all(Array.from({ length: 20 }, () => who('rr')));
    assert.deepEqual(Object.keys(count(afterStop)).sort(), ['p1', 'p2']);
  } finally {
    unsubscribe();
    zkSeen.stop();
    // a failed assertion above must not leave p3 serving the next test's calls
    await p3?.stop();
    p3 = undefined;
  }
});

test('SIGKILL of one of two providers under load: every call that could be retried succeeds; ' +
  'only in-flight ones fail, with FERRY_ERR_UPSTREAM_RESET', async (t) => {
  const workers = 6;
  const l = load('rr', workers);
  await sleep(700);
  const killAt = Date.now();
  await p2.kill();
  const deadAt = Date.now();
  await sleep(1500);
  await l.stop();
  const before = l.outcomes.filter((o) => o.t < killAt);
  const afterKill = l.outcomes.filter((o) => o.t > deadAt);
  const failures = l.outcomes.filter((o) => !o.ok);
  t.diagnostic(
    `SIGKILL under load: ${l.outcomes.length} calls (${before.length} before the kill, ${afterKill.length} after p2 was gone), ` +
      `served ${JSON.stringify(count(l.outcomes.filter((o) => o.ok).map((o) => o.who!)))}, ` +
      `failed ${JSON.stringify(count(failures.map((f) => f.code!)))}`,
  );
  assert.ok(before.some((o) => o.who === 'p2'), 'p2 served calls before the kill');
  // only calls sent to p2 before it died and still in flight on its connection may fail, and only as "reset"
  for (const f of failures) {
    assert.equal(f.code, 'FERRY_ERR_UPSTREAM_RESET', JSON.stringify(f));
    assert.equal(f.endpoint, `127.0.0.1:${p2.port}`, JSON.stringify(f));
    assert.ok(f.t <= deadAt, `a call started ${f.t - deadAt} ms after p2 was dead failed`);
  }
  t.diagnostic(`SIGKILL sent → JVM gone: ${deadAt - killAt} ms`);
  assert.ok(failures.length <= workers, `${failures.length} failures`);
  // calls after the kill: all succeed (on p1), although p2's znode is still in ZooKeeper until its session expires
  assert.ok(afterKill.length > 20, `${afterKill.length} calls after the kill`);
  assert.ok(afterKill.every((o) => o.ok && o.who === 'p1'), JSON.stringify(afterKill.filter((o) => !o.ok || o.who !== 'p1').slice(0, 5)));
  assert.ok(endpointsOf('rr').some((e) => e.port === p2.port), "p2's ephemeral node lingers (the JVM could not unregister)");
  // with retries 0 the dead provider's connection failure surfaces instead of being retried
  const noRetry = await Promise.all(Array.from({ length: 6 }, () => invoke('noretry', 'whoami')));
  const codes = count(noRetry.map((r) => (r.status === 200 ? 'ok' : r.body.code)));
  t.diagnostic(`retries 0, dead provider still listed: ${JSON.stringify(codes)}`);
  assert.ok(
    Object.keys(codes).every((c) => c === 'ok' || c === 'FERRY_ERR_UPSTREAM_CONNECT' || c === 'FERRY_ERR_CIRCUIT_OPEN'),
    JSON.stringify(codes),
  );
});
