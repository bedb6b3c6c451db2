/**
 * Ferry as a Dubbo provider, called by real Java Dubbo consumers (examples/dubbo-java) found through a real
 * ZooKeeper: a typed `ReferenceConfig<NodeAppService>` and a `GenericService` consumer, Dubbo 3.3 and 3.2,
 * in front of a small Node HTTP app.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startZooKeeper, zkClient, zkChildren, type ZooKeeperServer } from '../harness/zookeeper.js';
import { ensureJavaPeers, runConsumer, type ConsumerResult, type JavaPeerJars } from '../harness/java.js';
import { eventually, startSidecar, type TestSidecar, dubboServer } from '../support/helpers.js';
import { parseDubboUrl } from '../../src/discovery/zookeeper/dubbo-url.js';
import { COUNTS, NODE_IFACE, NOW, inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';
import { USER_CLASS, sampleUser } from '../support/java-samples.js';
import type { PeerJson } from '../support/peer-json.js';

let jars: JavaPeerJars;
let zk: ZooKeeperServer;
let app: NodeApp;
let ferry: TestSidecar;
let dubboPort: number;

before(async () => {
  [jars, zk, app] = await Promise.all([ensureJavaPeers(), startZooKeeper(), startNodeApp()]);
  ferry = await startSidecar(inboundYaml({ appUrl: app.url, zkAddress: zk.address }));
  dubboPort = dubboServer(ferry.sidecar).port;
});
after(async () => {
  await ferry?.close();
  await app?.close();
  await zk?.stop();
});

/** The consumer's line for a call id (or method name). */
function line(r: ConsumerResult, id: string): PeerJson {
  const l = r.lines.find((x) => x.call === id || (x.call === undefined && x.method === id));
  assert.ok(l, `no line for ${id}: ${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
  return l;
}

/** Java prints dates as Instant.toString() ("…T00:00:00Z"); compare instants. */
function sameInstant(a: string, b: string): boolean {
  return Date.parse(a) === Date.parse(b);
}

/** A Java-printed User equals the Node app's JSON (dates compared as instants). */
function assertUser(actual: PeerJson, expected: Record<string, unknown>, generic = false): void {
  const { birthday, ...rest } = actual;
  const { birthday: eb, ...erest } = expected;
  assert.ok(sameInstant(birthday, eb as string), `birthday ${birthday} vs ${String(eb)}`);
  assert.deepEqual(rest, generic ? { ...erest, class: USER_CLASS } : erest);
}

test('ZooKeeper: /dubbo/<iface>/providers/<url> with the parameters Java consumers need', async () => {
  const c = await zkClient(zk.address);
  try {
    const nodes = await zkChildren(c, `/dubbo/${NODE_IFACE}/providers`);
    assert.equal(nodes.length, 1);
    const url = parseDubboUrl(nodes[0]!);
    assert.equal(url.protocol, 'dubbo');
    assert.equal(`${url.host}:${url.port}`, `127.0.0.1:${dubboPort}`);
    assert.equal(url.path, NODE_IFACE);
    const p = url.params;
    assert.equal(p.interface, NODE_IFACE);
    assert.equal(p.serialization, 'hessian2');
    assert.equal(p['prefer.serialization'], 'hessian2');
    assert.equal(p.side, 'provider');
    assert.equal(p.dubbo, '2.0.2');
    assert.equal(p.application, 'node-app');
    assert.equal(p.anyhost, 'false');
    assert.equal(p.pid, String(process.pid));
    assert.equal(p.timeout, '5000');
    assert.match(p.release!, /^3\.\d+\.\d+$/);
    assert.ok(Math.abs(Number(p.timestamp) - Date.now()) < 120_000);
    assert.deepEqual(p.methods!.split(','), [
      'addLong',
      'counts',
      'fail',
      'getUser',
      'hello',
      'isTrue',
      'listUsers',
      'now',
      'saveUser',
      'scale',
      'slow',
      'touch',
      'zero',
    ]);
    assert.equal(p.version, undefined);
    assert.equal(p.group, undefined);
    // ephemeral: owned by Ferry's session
    const stat = await new Promise<{ ephemeralOwner: Buffer }>((res, rej) =>
      c.exists(`/dubbo/${NODE_IFACE}/providers/${nodes[0]}`, (e, s) => (e ? rej(e) : res(s as unknown as { ephemeralOwner: Buffer }))),
    );
    assert.notEqual(stat.ephemeralOwner.toString('hex'), '0000000000000000');
  } finally {
    c.close();
  }
});

async function typedRun(jar: string, t: { diagnostic(m: string): void }, label: string, args: string[] = []): Promise<void> {
  const seenBefore = app.seen.length;
  const r = await runConsumer({ jar, mode: 'typed', zkAddress: zk.address, args, attachments: { 'x-tenant-id': 't1', cookie: 'secret' } });
  t.diagnostic(`${label} typed consumer: ${r.lines.length} calls in ${r.ms} ms`);
  assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-4000));
  assert.equal(line(r, 'hello').value, 'Hello ferry');
  assert.equal(line(r, 'hello#emoji').value, 'Hello héllo 世界 😀');
  assertUser(line(r, 'getUser').value, sampleUser(42, 'user-42'));
  assertUser(line(r, 'saveUser').value, sampleUser(42, 'Alice'));
  assert.equal(line(r, 'addLong').value, 42);
  assert.equal(line(r, 'addLong#big').value, '9007199254740994');
  assert.equal(line(r, 'addLong#max').value, '9223372036854775807'); // 2^63 − 1
  assert.equal(line(r, 'scale').value, '12345.67890'); // BigDecimal with its scale
  const users = line(r, 'listUsers').value as PeerJson[];
  assert.equal(users.length, 3);
  users.forEach((u, i) => assertUser(u, sampleUser(i + 1, `user-${i + 1}`)));
  assert.deepEqual(line(r, 'counts').value, COUNTS); // Map<String, Long>, 2^63 − 1 included
  assert.ok(sameInstant(line(r, 'now').value, NOW));
  assert.equal(Date.parse(line(r, 'now').value) % 1000, 123); // milliseconds kept
  assert.deepEqual([line(r, 'touch').ok, line(r, 'touch').value], [true, null]); // void
  assert.deepEqual([line(r, 'isTrue#true').ok, line(r, 'isTrue#true').value], [true, true]);
  assert.deepEqual([line(r, 'isTrue#false').ok, line(r, 'isTrue#false').value], [true, false]); // false stays false
  assert.deepEqual([line(r, 'zero').ok, line(r, 'zero').value], [true, 0]); // 0 stays 0
  assert.equal(line(r, 'zero').responseAttachments['served-by'], 'node-app');
  assert.equal(line(r, 'zero').responseAttachments.dubbo, '2.0.2');
  assert.equal(line(r, 'slow').value, 'slept 50');
  // app 4xx/5xx: a java.lang.RuntimeException with the app's message, caught by the consumer; a JDK
  // exception the app names in its error body (400: IllegalArgumentException); a class the consumer would
  // refuse to deserialize (404: NoSuchElementException) goes as RuntimeException("<class>: <message>")
  const expected: Record<number, [string, string]> = {
    400: ['java.lang.IllegalArgumentException', 'app failed with 400'],
    404: ['java.lang.RuntimeException', 'java.util.NoSuchElementException: app failed with 404'],
    500: ['java.lang.RuntimeException', 'app failed with 500'],
  };
  for (const [status, [cls, message]] of Object.entries(expected)) {
    const l = line(r, `fail#${status}`);
    assert.deepEqual([l.ok, l.exception, l.message], [false, cls, message]);
  }
  // what the app saw: JSON args, the single POJO as the body, path params, Ferry headers, allow-listed attachments only
  const seen = app.seen.slice(seenBefore);
  const req = (method: string) => seen.find((s) => s.headers['x-ferry-method'] === method)!;
  assert.deepEqual(req('addLong').body, [40, 2]);
  assert.ok(seen.some((s) => s.headers['x-ferry-method'] === 'addLong' && JSON.stringify(s.body) === '["9223372036854775806",1]'));
  assert.deepEqual(req('saveUser').body, sampleUser(42, 'Alice'));
  assert.deepEqual(req('scale').body, ['12345.6789']);
  assert.equal(req('getUser').url, '/users/42');
  assert.equal(req('getUser').method, 'GET');
  assert.deepEqual(req('isTrue').body, [true]);
  assert.equal(req('hello').headers['x-ferry-service'], NODE_IFACE);
  assert.equal(req('hello').headers['x-tenant-id'], 't1');
  assert.equal(req('hello').headers.cookie, undefined); // not in the allow-list
  assert.equal(req('hello').headers.timeout, undefined); // Dubbo's own attachments stay out
}

// Dubbo 3 consumers default to migration APPLICATION_FIRST: they look for application-level instances and
// fall back to the interface-level nodes Ferry writes. FORCE_INTERFACE works too (FORCE_APPLICATION does not).
test('Java 3.3 typed consumer → Ferry → Node app: the type matrix round-trips exactly', async (t) => {
  await typedRun(jars.jar33, t, 'Dubbo 3.3');
});

test('Java 3.2 typed consumer (migration FORCE_INTERFACE) → Ferry → Node app', async (t) => {
  await typedRun(jars.jar32, t, 'Dubbo 3.2', ['--migration', 'FORCE_INTERFACE']);
});

test('Java 3.3 generic consumer ($invoke) → Ferry → Node app: generic shapes, GenericException for app errors', async (t) => {
  const seenBefore = app.seen.length;
  const r = await runConsumer({ jar: jars.jar33, mode: 'generic', zkAddress: zk.address });
  t.diagnostic(`generic consumer: ${r.lines.length} calls in ${r.ms} ms`);
  assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr.slice(-4000));
  assert.equal(line(r, 'hello').value, 'Hello ferry');
  // POJOs come back as maps with Dubbo's "class" key, as from a Java provider (PojoUtils.generalize)
  assertUser(line(r, 'getUser').value, sampleUser(42, 'user-42'), true);
  assertUser(line(r, 'saveUser').value, sampleUser(42, 'Alice'), true);
  assert.equal(line(r, 'addLong').value, 42);
  assert.equal(line(r, 'scale').value, '12345.67890');
  const users = line(r, 'listUsers').value as PeerJson[];
  users.forEach((u, i) => assertUser(u, sampleUser(i + 1, `user-${i + 1}`), true));
  assert.deepEqual(line(r, 'counts').value, COUNTS);
  assert.ok(sameInstant(line(r, 'now').value, NOW));
  assert.deepEqual([line(r, 'touch').ok, line(r, 'touch').value], [true, null]);
  assert.equal(line(r, 'isTrue').value, true);
  assert.deepEqual([line(r, 'zero').ok, line(r, 'zero').value], [true, 0]);
  const fail = line(r, 'fail');
  assert.equal(fail.ok, false);
  assert.equal(fail.exception, 'org.apache.dubbo.rpc.service.GenericException');
  assert.equal(fail.exceptionClass, 'java.lang.RuntimeException');
  assert.equal(fail.exceptionMessage, 'app failed with 500');
  // the generic caller's POJO map reaches the app as the same JSON a typed caller produces (no "class" key)
  const seen = app.seen.slice(seenBefore);
  assert.deepEqual(seen.find((s) => s.headers['x-ferry-method'] === 'saveUser')!.body, sampleUser(42, 'Alice'));
  assert.deepEqual(seen.find((s) => s.headers['x-ferry-method'] === 'addLong')!.body, [40, 2]);
});

test('app timeout: the consumer gets its own timeout (Ferry waits a little longer, then gives up too)', async () => {
  app.slowExtraMs = 4000;
  const seenBefore = app.seen.length;
  try {
    const r = await runConsumer({
      jar: jars.jar33,
      mode: 'typed',
      zkAddress: zk.address,
      args: ['--methods', 'slow', '--timeout', '1000'],
    });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const l = line(r, 'slow');
    assert.equal(l.ok, false);
    assert.equal(l.exception, 'org.apache.dubbo.rpc.RpcException');
    assert.equal(l.code, 2); // RpcException.TIMEOUT_EXCEPTION
    assert.match(l.message, /timeout/i);
    assert.match(l.causeMessage, /Waiting server-side response timeout by scan timer/); // the consumer's own timer
    assert.match(l.causeMessage, /timeout: 1000 ms/);
    assert.ok(l.ms >= 950 && l.ms < 2500, `consumer gave up after ${l.ms} ms`);
    // the consumer's deadline travelled to the app: the time left (its 1 s timeout, plus Ferry's 500 ms grace)
    const asked = Number(app.seen.slice(seenBefore).find((r) => r.headers['x-ferry-method'] === 'slow')!.headers['x-ferry-timeout-ms']);
    assert.ok(asked > 0 && asked <= 1500, `the app was told ${asked} ms`);
    // Ferry stops waiting for the app shortly after the consumer's timeout (the app itself is still sleeping)
    await eventually(() => dubboServer(ferry.sidecar).inFlight === 0, 3000);
    assert.ok(app.active() >= 1);
  } finally {
    app.slowExtraMs = 0;
  }
});

test('200 concurrent calls on one connection, answered out of order by the app, all correct; ' +
  'a malformed frame on another connection harms nobody', async () => {
  app.addJitterMs = 50;
  const provider = dubboServer(ferry.sidecar);
  const acceptedBefore = provider.acceptedConnections;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, app.active())), 2);
  // meanwhile, a bad client: garbage on its own connection, again and again
  let garbageOpened = 0;
  let garbageClosed = 0;
  const garbage = setInterval(() => {
    garbageOpened++;
    const s = connect({ port: dubboPort, host: '127.0.0.1' }, () => s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    s.on('error', () => {});
    s.on('close', () => garbageClosed++);
  }, 100);
  try {
    const r = await runConsumer({ jar: jars.jar33, mode: 'concurrent', args: ['200', '--timeout', '10000'], zkAddress: zk.address });
    assert.equal(r.code, 0, r.stdout + r.stderr.slice(-3000));
    const summary = r.lines.find((l) => l.mode === 'concurrent');
    assert.deepEqual([summary.n, summary.ok, summary.wrong, summary.failed], [200, 200, 0, 0], JSON.stringify(summary.problems));
  } finally {
    clearInterval(sampler);
    clearInterval(garbage);
    app.addJitterMs = 30;
  }
  assert.ok(peak >= 20, `the app had ${peak} calls at once`);
  await eventually(() => garbageClosed === garbageOpened, 5000);
  assert.ok(garbageClosed >= 3, `garbage connections closed by Ferry: ${garbageClosed}`);
  // the Java consumer used one connection; the others were the garbage clients
  assert.equal(provider.acceptedConnections - acceptedBefore - garbageOpened, 1);
});

test('inbound calls and decode errors are counted on the admin port', async () => {
  const text = await (await fetch(`${ferry.adminUrl}/metrics`)).text();
  const ok = new RegExp(
    'ferry_inbound_requests_total\\{protocol="dubbo",service="com\\.example\\.ferry\\.api\\.NodeAppService",' +
      'method="([^"]+)",code="OK"\\} (\\d+)',
  ).exec(text);
  assert.ok(ok && Number(ok[2]) > 0, 'successful inbound calls counted');
  assert.match(text, /ferry_inbound_requests_total\{[^}]*code="FERRY_ERR_UPSTREAM_HTTP_STATUS"\} \d+/, 'app error answers counted by code');
  assert.match(text, /ferry_inbound_request_duration_seconds_count\{protocol="dubbo"/);
  assert.match(text, /ferry_decode_errors_total\{protocol="dubbo"\} [1-9]/, 'the garbage frames of the previous test');
});

test('heartbeats both ways with a Java consumer: idle connections stay up, nobody reconnects', async () => {
  // Ferry → Java: Ferry beats after 500 ms of silence and would close after 1.5 s without answers
  // (much shorter, and a JVM busy starting up can miss the deadline)
  const small = await startSidecar(inboundYaml({ appUrl: app.url, heartbeatMs: 500 }));
  // Java → Ferry: the consumer beats every 500 ms and would reconnect after 1.5 s without answers
  const main = dubboServer(ferry.sidecar);
  const mainAccepted = main.acceptedConnections;
  const mainAnswered = main.heartbeats.answered;
  try {
    const provider = dubboServer(small.sidecar);
    const idle = (port: number, extra: string[]) =>
      runConsumer({
        jar: jars.jar33,
        mode: 'typed',
        url: `dubbo://127.0.0.1:${port}`,
        args: ['--methods', 'zero', '--linger', '4000', ...extra],
      });
    const [a, b] = await Promise.all([idle(provider.port, []), idle(dubboPort, ['--heartbeat', '500'])]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      assert.equal(line(r, 'zero').value, 0);
    }
    assert.ok(provider.heartbeats.sent >= 3, `Ferry heartbeats sent: ${provider.heartbeats.sent}`);
    assert.equal(provider.acceptedConnections, 1); // 4 s idle, 8× the interval, on one connection
    assert.ok(main.heartbeats.answered - mainAnswered >= 3, `Java heartbeats answered: ${main.heartbeats.answered - mainAnswered}`);
    assert.equal(main.acceptedConnections - mainAccepted, 1);
  } finally {
    await small.close();
  }
});

test('ZooKeeper away longer than the session: the provider node is re-created by the new session (stale node replaced)', async () => {
  const owner = async () => {
    const c = await zkClient(zk.address);
    try {
      const nodes = await zkChildren(c, `/dubbo/${NODE_IFACE}/providers`).catch(() => [] as string[]);
      if (nodes.length !== 1) return undefined;
      const stat = await new Promise<{ ephemeralOwner: Buffer } | undefined>((res) =>
        c.exists(`/dubbo/${NODE_IFACE}/providers/${nodes[0]}`, (e, s) =>
          res(e || !s ? undefined : (s as unknown as { ephemeralOwner: Buffer })),
        ),
      );
      return stat?.ephemeralOwner.toString('hex');
    } finally {
      c.close();
    }
  };
  const before = await owner();
  assert.ok(before);
  await zk.pause();
  await new Promise((r) => setTimeout(r, 5000)); // > sessionTimeoutMs (4000): Ferry starts a new session
  await zk.resume();
  // the old session's node is still there at first (the server expires it later): replaced, not kept
  const after = await eventually(async () => {
    const o = await owner();
    return o && o !== before ? o : undefined;
  }, 20_000, 200);
  await new Promise((r) => setTimeout(r, 5000)); // the old session expires on the server: our node stays
  assert.equal(await owner(), after);
  const r = await runConsumer({ jar: jars.jar33, mode: 'typed', zkAddress: zk.address, args: ['--methods', 'zero'] });
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.equal(line(r, 'zero').value, 0);
});
