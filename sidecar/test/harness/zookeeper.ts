/**
 * A real ZooKeeper server for tests (Debian package `zookeeper`, /usr/share/java/zookeeper.jar; see
 * /work/shared/reference/environment.md section 1), plus small node-zookeeper-client helpers to read what Dubbo
 * registered.
 *
 *   const zk = await startZooKeeper();          // free loopback port, temp data dir, ready (ruok -> imok)
 *   zk.address                                  // "127.0.0.1:PORT"   (node-zookeeper-client / Ferry config)
 *   zk.url                                      // "zookeeper://127.0.0.1:PORT" (Java Dubbo registry address)
 *   await zk.pause(); await zk.resume();        // "ZooKeeper goes away": kill, restart on same port + data dir
 *   await zk.stop();                            // kill + remove the temp dir
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';
import { freePort } from './ports.js';
import { terminate, track } from './procs.js';

export const ZOOKEEPER_JAR = process.env.FERRY_ZOOKEEPER_JAR ?? '/usr/share/java/zookeeper.jar';

export interface ZooKeeperOptions {
  /** Fixed client port (default: a free one). */
  port?: number;
  /** ZooKeeper tickTime in ms (default 2000). Session timeouts are clamped by the server to [2, 20] x tickTime. */
  tickTime?: number;
  /** Readiness timeout in ms (default 30000). */
  timeoutMs?: number;
}

export interface ZooKeeperServer {
  /** "127.0.0.1:PORT" — connect string for node-zookeeper-client / Ferry. */
  readonly address: string;
  /** "zookeeper://127.0.0.1:PORT" — registry address for the Java Dubbo peers. */
  readonly url: string;
  readonly port: number;
  /** Temp directory: zoo.cfg, data/, zk.log. Removed by stop(). */
  readonly dir: string;
  /** True while the server process runs (false between pause() and resume()). */
  running(): boolean;
  /** Kill the server and remove its temp directory. Idempotent. */
  stop(): Promise<void>;
  /** "ZooKeeper goes away": kill the process (default SIGKILL, like a crash); port and data dir are kept. */
  pause(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Start again on the same port with the same data dir (sessions/ephemeral nodes survive if not yet expired).
   * `{ wipe: true }` deletes the data first: a brand-new, empty server on the same address (all sessions lost).
   * Beware: clients that saw a higher zxid than the new server's are refused until they drop their session. A Dubbo
   * 3.3 provider (Curator) had **not** re-registered 60 s after such a wipe. That is the real "ZooKeeper lost its
   * data" failure mode, not a clean restart.
   */
  resume(opts?: { wipe?: boolean }): Promise<void>;
  /** pause() + resume(). */
  restart(): Promise<void>;
  /** SIGSTOP: the process and its sockets stay, nothing answers (a GC pause, a hung host). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Server log (stdout+stderr of the JVM; nearly empty: the Debian jar logs through a NOP slf4j binding). */
  log(): Promise<string>;
}

/** Four-letter-word probe: resolves true when the server at port answers "ruok" with "imok". */
export function ruok(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let data = '';
    const s = connect({ port, host });
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => s.write('ruok'));
    s.on('data', (d) => (data += d.toString()));
    s.once('end', () => done(data === 'imok'));
    s.once('error', () => done(false));
  });
}

export async function startZooKeeper(opts: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  if (!existsSync(ZOOKEEPER_JAR)) {
    throw new Error(`${ZOOKEEPER_JAR} not found: run "node sidecar/dist/test/harness/provision.js" (apt-get install zookeeper)`);
  }
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'ferry-zk-'));
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      `tickTime=${opts.tickTime ?? 2000}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr,cons,dump',
      'maxClientCnxns=0',
      // tests: no fsync per write, small txn-log preallocation
      'forceSync=no',
      'preAllocSize=4096',
      '',
    ].join('\n'),
  );
  const timeoutMs = opts.timeoutMs ?? 30000;
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const logStream = createWriteStream(join(dir, 'zk.log'), { flags: 'a' });
    const c = spawn(
      'java',
      ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-cp', ZOOKEEPER_JAR,
        'org.apache.zookeeper.server.ZooKeeperServerMain', cfg],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    track(c);
    c.stdout!.pipe(logStream, { end: false });
    c.stderr!.pipe(logStream, { end: false });
    c.once('exit', () => logStream.end());
    child = c;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(
          `ZooKeeper exited (${c.exitCode ?? c.signalCode}) on port ${port}` +
            `:\n${await readFile(join(dir, 'zk.log'), 'utf8').catch(() => '')}`,
        );
      }
      if (await ruok(port, '127.0.0.1', 500)) return;
      await sleep(50);
    }
    await terminate(c, 'SIGKILL');
    throw new Error(`ZooKeeper did not answer ruok on port ${port} within ${timeoutMs} ms`);
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (c) await terminate(c, signal, 5000);
  };

  await launch();

  const server: ZooKeeperServer = {
    address: `127.0.0.1:${port}`,
    url: `zookeeper://127.0.0.1:${port}`,
    port,
    dir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
    async pause(signal: NodeJS.Signals = 'SIGKILL') {
      if (stopped) throw new Error('ZooKeeper already stopped');
      await kill(signal);
    },
    async resume(resumeOpts: { wipe?: boolean } = {}) {
      if (stopped) throw new Error('ZooKeeper already stopped');
      if (server.running()) return;
      if (resumeOpts.wipe) await rm(join(dir, 'data'), { recursive: true, force: true });
      // the old socket may linger briefly: retry the bind a few times
      for (let i = 0; ; i++) {
        try {
          await launch();
          return;
        } catch (e) {
          if (i >= 5) throw e;
          await sleep(200);
        }
      }
    },
    async restart() {
      await server.pause();
      await server.resume();
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    log: () => readFile(join(dir, 'zk.log'), 'utf8').catch(() => ''),
  };
  return server;
}

// ------------------------------------------------------------------------------------------- client helpers

/** A connected node-zookeeper-client (caller closes it). */
export function zkClient(address: string, timeoutMs = 10000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = zookeeper.createClient(address, { sessionTimeout: 10000, spinDelay: 200, retries: 2 });
    const timer = setTimeout(() => {
      c.close();
      reject(new Error(`cannot connect to ZooKeeper ${address} within ${timeoutMs} ms`));
    }, timeoutMs);
    c.once('connected', () => {
      clearTimeout(timer);
      resolve(c);
    });
    c.connect();
  });
}

/** Children of a znode ([] when it does not exist). */
export function zkChildren(client: Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, (err, children) => {
      if (err) {
        if ((err as { code?: number }).code === zookeeper.Exception.NO_NODE) resolve([]);
        else reject(err);
      } else resolve(children);
    }),
  );
}

/** Data of a znode (undefined when it does not exist). */
export function zkData(client: Client, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) =>
    client.getData(path, (err, data) => {
      if (err) {
        if ((err as { code?: number }).code === zookeeper.Exception.NO_NODE) resolve(undefined);
        else reject(err);
      } else resolve(data ?? undefined);
    }),
  );
}

/**
 * Decoded URLs under /dubbo/{iface}/{category} (category default "providers"), e.g.
 * "dubbo://127.0.0.1:20880/com.example.ferry.api.TypeMatrixService?application=...&version=1.0.0".
 */
export async function listDubboUrls(address: string, iface: string, category = 'providers'): Promise<string[]> {
  const c = await zkClient(address);
  try {
    const kids = await zkChildren(c, `/dubbo/${encodeURIComponent(iface)}/${category}`);
    return kids.map((k) => decodeURIComponent(k.replace(/\+/g, ' '))).sort();
  } finally {
    c.close();
  }
}

/** Polls listDubboUrls until `predicate` holds (default: at least one URL); returns the URLs. */
export async function waitForDubboUrls(
  address: string,
  iface: string,
  predicate: (urls: string[]) => boolean = (u) => u.length > 0,
  opts: { category?: string; timeoutMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30000);
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await listDubboUrls(address, iface, opts.category ?? 'providers');
    if (predicate(last)) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for /dubbo/${iface}/${opts.category ?? 'providers'}; last seen:\n${last.join('\n')}`);
}

/** Query parameters of a Dubbo URL as a plain object (decoded). */
export function dubboUrlParams(url: string): Record<string, string> {
  const q = url.indexOf('?');
  const out: Record<string, string> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out[k] = v;
  return out;
}
