/**
 * Proves the interop test harness: a real ZooKeeper, real Java Dubbo 3.3 / 3.2 providers registering in it, and the
 * Java consumer CLI. Prints the registered provider URLs (see the test output) so that the exact URL parameters of
 * real Dubbo releases are on record.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import zookeeper from 'node-zookeeper-client';
import {
  startZooKeeper,
  ruok,
  zkClient,
  zkChildren,
  zkData,
  listDubboUrls,
  waitForDubboUrls,
  dubboUrlParams,
  type ZooKeeperServer,
} from './zookeeper.js';
import { ensureJavaPeers, startProvider, runConsumer, type JavaPeerJars } from './java.js';
import { freePort, isListening } from './ports.js';

const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const GREETING = 'com.example.ferry.api.GreetingService';

let jars: JavaPeerJars;
let zk: ZooKeeperServer;

before(async () => {
  jars = await ensureJavaPeers({ log: (l) => console.log(l) });
  zk = await startZooKeeper();
});

after(async () => {
  await zk?.stop();
});

test('freePort returns distinct, bindable ports', async () => {
  const a = await freePort();
  const b = await freePort();
  assert.notEqual(a, b);
  assert.ok(a > 0 && b > 0);
  assert.equal(await isListening(a), false);
});

test('ZooKeeper: starts, answers ruok, pause/resume on the same port keeps data, stop removes the temp dir', async () => {
  const z = await startZooKeeper();
  try {
    assert.match(z.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(z.url, `zookeeper://${z.address}`);
    assert.equal(await ruok(z.port), true);
    const c = await zkClient(z.address);
    await new Promise<void>((res, rej) => c.mkdirp('/ferry/persist', (e) => (e ? rej(e) : res())));
    c.close();

    await z.pause();
    assert.equal(z.running(), false);
    assert.equal(await ruok(z.port), false);
    await z.resume();
    assert.equal(z.running(), true);
    assert.equal(await ruok(z.port), true);
    const c2 = await zkClient(z.address);
    assert.deepEqual(await zkChildren(c2, '/ferry'), ['persist']);
    c2.close();
  } finally {
    await z.stop();
  }
  assert.equal(existsSync(z.dir), false);
  assert.equal(await ruok(z.port), false);
});

test('Dubbo 3.3 provider registers /dubbo/<iface>/providers (interface-level) and unregisters on SIGTERM', async (t) => {
  const p = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'p33' });
  try {
    t.diagnostic(`3.3 provider: READY after ${p.readyMs} ms (in-JVM ${p.startupMs} ms), dubbo=${p.dubboVersion}, log ${p.logFile}`);
    assert.match(p.dubboVersion, /^3\.3\./);
    const urls = await waitForDubboUrls(zk.address, MATRIX, (u) => u.some((x) => x.includes(`:${p.port}/`)));
    const url = urls.find((x) => x.includes(`:${p.port}/`))!;
    console.log(`\n[Dubbo ${p.dubboVersion}] /dubbo/${MATRIX}/providers child (decoded):\n${url}\n`);
    const params = dubboUrlParams(url);
    console.log(`[Dubbo ${p.dubboVersion}] params: ${JSON.stringify(params, null, 1)}`);
    assert.ok(url.startsWith(`dubbo://127.0.0.1:${p.port}/${MATRIX}?`), url);
    assert.equal(params.interface, MATRIX);
    assert.equal(params.version, '1.0.0');
    assert.equal(params.side, 'provider');
    assert.equal(params.dubbo, '2.0.2');
    assert.equal(params.release, p.dubboVersion);
    assert.equal(params.serialization, 'hessian2');
    assert.ok(params.methods!.split(',').includes('echoLong'));

    const greet = await listDubboUrls(zk.address, GREETING);
    const mine = greet
      .filter((x) => x.includes(`:${p.port}/`))
      .map((x) => `${dubboUrlParams(x).group}/${dubboUrlParams(x).version}`)
      .sort();
    assert.deepEqual(mine, ['blue/1.0.0', 'blue/2.0.0', 'green/1.0.0', 'green/2.0.0']);

    // register-mode=all (Dubbo's default) also writes app-level discovery data
    const c = await zkClient(zk.address);
    try {
      const services = await zkChildren(c, '/services/ferry-java-provider');
      assert.ok(services.includes(`127.0.0.1:${p.port}`), JSON.stringify(services));
      const mapping = await zkData(c, `/dubbo/mapping/${MATRIX}`);
      assert.equal(mapping?.toString(), 'ferry-java-provider');
      // the znode itself is ephemeral, data = Curator's default (the registering host's IP)
      const enc = (await zkChildren(c, `/dubbo/${MATRIX}/providers`)).find((k) => decodeURIComponent(k).includes(`:${p.port}/`))!;
      const stat = await new Promise<zookeeper.Stat>((res, rej) =>
        c.exists(`/dubbo/${MATRIX}/providers/${enc}`, (e, s) => (e ? rej(e) : res(s))),
      );
      assert.notEqual(stat.ephemeralOwner.toString('hex'), '0000000000000000');
      t.diagnostic(`raw znode name: ${enc.slice(0, 120)}...`);
    } finally {
      c.close();
    }
  } finally {
    const code = await p.stop();
    t.diagnostic(`SIGTERM exit code ${code}`);
  }
  const left = await listDubboUrls(zk.address, MATRIX);
  assert.equal(left.filter((x) => x.includes(`:${p.port}/`)).length, 0, 'graceful stop unregisters');
});

test('Dubbo 3.2 provider: serialization / prefer.serialization it registers (explicit hessian2 and Dubbo default)', async (t) => {
  const explicit = await startProvider({ jar: jars.jar32, zkAddress: zk.address, name: 'p32' });
  const dflt = await startProvider({
    jar: jars.jar32,
    zkAddress: zk.address,
    name: 'p32d',
    extraArgs: ['--serialization', 'default', '--register-mode', 'interface'],
  });
  const dflt33 = await startProvider({
    jar: jars.jar33,
    zkAddress: zk.address,
    name: 'p33d',
    extraArgs: ['--serialization', 'default', '--register-mode', 'interface'],
  });
  try {
    t.diagnostic(`3.2 provider READY after ${explicit.readyMs} ms, dubbo=${explicit.dubboVersion}`);
    assert.match(explicit.dubboVersion, /^3\.2\./);
    const urls = await waitForDubboUrls(zk.address, MATRIX, (u) =>
      [explicit, dflt, dflt33].every((p) => u.some((x) => x.includes(`:${p.port}/`))),
    );
    const of = (port: number) => urls.find((x) => x.includes(`:${port}/`))!;
    const rows: [string, string][] = [
      [`${explicit.dubboVersion} serialization=hessian2 (peer default)`, of(explicit.port)],
      [`${dflt.dubboVersion} serialization not set (Dubbo default)`, of(dflt.port)],
      [`${dflt33.dubboVersion} serialization not set (Dubbo default)`, of(dflt33.port)],
    ];
    for (const [label, url] of rows) {
      const q = dubboUrlParams(url);
      console.log(
        `\n[Dubbo ${label}] provider URL:\n${url}\n  -> serialization=${q.serialization ?? '(absent)'}` +
          ` prefer.serialization=${q['prefer.serialization'] ?? '(absent)'}`,
      );
    }
    assert.equal(dubboUrlParams(of(explicit.port)).serialization, 'hessian2');
    assert.equal(dubboUrlParams(of(explicit.port))['prefer.serialization'], 'hessian2');
    // Dubbo defaults: 3.2 prefers fastjson2, 3.3 hessian2; `serialization` itself is then not in the URL
    assert.equal(dubboUrlParams(of(dflt.port))['prefer.serialization'], 'fastjson2,hessian2');
    assert.equal(dubboUrlParams(of(dflt.port)).serialization, undefined);
    assert.equal(dubboUrlParams(of(dflt33.port))['prefer.serialization'], 'hessian2,fastjson2');
  } finally {
    await Promise.all([explicit.stop(), dflt.stop(), dflt33.stop()]);
  }
});

test('Java consumer CLI against Java providers (3.2 consumer -> 3.3 provider): ' +
  'JSON lines, attachments, group/version, concurrent, typed', async () => {
  // --node-app-stub: a Java stand-in for the Node app's NodeAppService, to self-test the typed/concurrent modes
  const p = await startProvider({ jar: jars.jar33, zkAddress: zk.address, name: 'pc', extraArgs: ['--node-app-stub'] });
  try {
    const r = await runConsumer({
      jar: jars.jar32,
      mode: 'matrix',
      url: p.url,
      attachments: { 'x-tenant-id': 't1' },
      args: ['--methods', 'echoLong,getUser#404,illegal,nullUser,attachments,whoami'],
    });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const by = (k: string) => r.lines.find((l) => l.call === k || (l.call === undefined && l.method === k));
    assert.deepEqual(by('echoLong'), { ...by('echoLong'), ok: true, value: '9223372036854775807' });
    assert.equal(by('getUser#404').exception, 'com.example.ferry.api.UserNotFoundException');
    assert.equal(by('getUser#404').message, 'user 404 not found');
    assert.equal(by('illegal').exception, 'java.lang.IllegalArgumentException');
    assert.equal(by('nullUser').value, null);
    assert.equal(by('attachments').value['x-tenant-id'], 't1');
    assert.equal(by('whoami').value, `pc:${p.port}`);
    assert.equal(by('whoami').responseAttachments['served-by'], 'pc');

    const g = await runConsumer({
      jar: jars.jar33,
      mode: 'greet',
      zkAddress: zk.address,
      args: ['--group', 'green', '--version', '2.0.0'],
    });
    assert.equal(g.code, 0, g.stderr.slice(-3000));
    assert.equal(g.lines[0].value, '[green/2.0.0] Hello ferry');

    const c = await runConsumer({ jar: jars.jar33, mode: 'concurrent', args: ['200'], url: p.url });
    assert.equal(c.code, 0, c.stdout + c.stderr.slice(-2000));
    assert.equal(c.lines[0].ok, 200);

    const typed = await runConsumer({
      jar: jars.jar33,
      mode: 'typed',
      zkAddress: zk.address,
      args: ['--methods', 'hello,addLong#big,fail#500,zero'],
    });
    assert.equal(typed.code, 0, typed.stderr.slice(-3000));
    assert.deepEqual(
      typed.lines.map((l) => [l.call, l.ok]),
      [['hello', true], ['hello#emoji', true], ['addLong#big', true], ['fail#500', false], ['zero', true]],
    );
    assert.equal(typed.lines[2].value, '9007199254740994');
  } finally {
    await p.stop();
  }
});

test('golden Dubbo frames (sidecar/test/fixtures/dubbo): every manifest entry is one well-formed frame', async () => {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('./java.js');
  const dir = join(REPO_ROOT, 'sidecar', 'test', 'fixtures', 'dubbo');
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    frames: { file: string; id: string; flag: string; status: number; bodyLength: number; responseFlag?: number }[];
  };
  assert.ok(manifest.frames.length >= 40);
  for (const f of manifest.frames) {
    const b = await readFile(join(dir, f.file));
    assert.equal(b.readUInt16BE(0), 0xdabb, f.file);
    assert.equal(`0x${b[2]!.toString(16).padStart(2, '0')}`, f.flag, f.file);
    assert.equal(b[3], f.status, f.file);
    assert.equal(b.readBigInt64BE(4).toString(), BigInt.asIntN(64, BigInt(f.id)).toString(), f.file);
    assert.equal(b.readUInt32BE(12), f.bodyLength, f.file);
    assert.equal(b.length, 16 + f.bodyLength, f.file);
    if (f.responseFlag !== undefined) assert.equal(b[16], 0x90 + f.responseFlag, f.file);
  }
  const hb = await readFile(join(dir, 'heartbeat.request.bin'));
  assert.equal(hb.subarray(0, 4).toString('hex'), 'dabbe200');
  assert.equal(hb.subarray(12).toString('hex'), '000000014e');
});
