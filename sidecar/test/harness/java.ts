/**
 * The real Java Dubbo peers (examples/dubbo-java): build once, start providers, run consumers, capture frames.
 *
 *   const { jar33, jar32 } = await ensureJavaPeers();            // mvn package once; cached by mtime
 *   const p = await startProvider({ jar: jar33, zkAddress: zk.address, name: 'p1' });
 *   p.port; p.url  // 'dubbo://127.0.0.1:PORT'
 *   const r = await runConsumer({ jar: jar33, mode: 'typed', zkAddress: zk.address, attachments: { 'x-tenant-id': 't1' } });
 *   r.code; r.lines  // parsed JSON lines, see examples/dubbo-java/README.md "Consumer CLI"
 *   await p.stop();  // SIGTERM: Dubbo unregisters from ZooKeeper, then exits
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { exitOf, terminate, track } from './procs.js';
import type { PeerJson } from '../support/peer-json.js';

// ------------------------------------------------------------------------------------------------ locations

function findRepoRoot(): string {
  if (process.env.FERRY_REPO_ROOT) return process.env.FERRY_REPO_ROOT;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'examples', 'dubbo-java', 'pom.xml'))) return dir;
    dir = dirname(dir);
  }
  // compiled layout: sidecar/dist/test/harness -> repo root is four levels up
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
}

export const REPO_ROOT = findRepoRoot();
export const JAVA_PEERS_DIR = join(REPO_ROOT, 'examples', 'dubbo-java');
export const JAR33 = join(JAVA_PEERS_DIR, 'dubbo-3.3', 'target', 'ferry-dubbo-peers-3.3.jar');
export const JAR32 = join(JAVA_PEERS_DIR, 'dubbo-3.2', 'target', 'ferry-dubbo-peers-3.2.jar');

/** Default JVM flags of every peer JVM (small heap, fast start). Override per call with `jvmArgs`. */
export const DEFAULT_JVM_ARGS = ['-Xmx256m', '-XX:+UseSerialGC', '-Xss512k'];

export interface JavaPeerJars {
  /** fat jar built against Apache Dubbo 3.3.x */
  jar33: string;
  /** fat jar built against Apache Dubbo 3.2.x */
  jar32: string;
}

// ------------------------------------------------------------------------------------------------ build

/** Newest mtime under `path` (a file or a tree; `target/` and dot entries skipped). */
export function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) {
    if (e === 'target' || e.startsWith('.')) continue;
    m = Math.max(m, newestMtime(join(path, e)));
  }
  return m;
}

/** True when both jars exist and are newer than every pom/source file. */
export function javaPeersUpToDate(): boolean {
  if (!existsSync(JAR33) || !existsSync(JAR32)) return false;
  const sources = Math.max(
    newestMtime(join(JAVA_PEERS_DIR, 'pom.xml')),
    newestMtime(join(JAVA_PEERS_DIR, 'dubbo-3.3', 'pom.xml')),
    newestMtime(join(JAVA_PEERS_DIR, 'dubbo-3.2', 'pom.xml')),
    newestMtime(join(JAVA_PEERS_DIR, 'src')),
  );
  return Math.min(statSync(JAR33).mtimeMs, statSync(JAR32).mtimeMs) >= sources;
}

let building: Promise<JavaPeerJars> | undefined;

/**
 * Builds both fat jars with `mvn -q -B -DskipTests package` unless they are newer than their sources. One build at a
 * time machine-wide (lock dir in the OS temp dir), once per process. `log` receives progress lines.
 */
export function ensureJavaPeers(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<JavaPeerJars> {
  if (!building || opts.force) {
    building = buildJavaPeers(opts).catch((e) => {
      building = undefined;
      throw e;
    });
  }
  return building;
}

async function buildJavaPeers(opts: { force?: boolean; log?: (line: string) => void }): Promise<JavaPeerJars> {
  const log = opts.log ?? (() => {});
  if (!opts.force && javaPeersUpToDate()) return { jar33: JAR33, jar32: JAR32 };
  const release = await acquireLock(join(tmpdir(), 'ferry-java-peers-build.lock'));
  try {
    if (!opts.force && javaPeersUpToDate()) return { jar33: JAR33, jar32: JAR32 };
    // offline first when the local repository already has Dubbo (fast, no network); online otherwise / on failure
    const m2 = join(process.env.HOME ?? '/root', '.m2', 'repository', 'org', 'apache', 'dubbo', 'dubbo');
    const attempts: string[][] = existsSync(m2) ? [['-o'], []] : [[]];
    let lastErr = '';
    for (const extra of attempts) {
      const args = ['-q', '-B', ...extra, '-DskipTests', 'package'];
      log(`building Java peers: (cd ${JAVA_PEERS_DIR} && mvn ${args.join(' ')})`);
      const t0 = Date.now();
      const r = spawnSync('mvn', args, { cwd: JAVA_PEERS_DIR, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.status === 0 && existsSync(JAR33) && existsSync(JAR32)) {
        log(`Java peers built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return { jar33: JAR33, jar32: JAR32 };
      }
      lastErr = `mvn ${args.join(' ')} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})` +
        `:\n${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      log(lastErr.split('\n').slice(0, 40).join('\n'));
    }
    throw new Error(lastErr);
  } finally {
    release();
  }
}

/** A machine-wide lock (a directory; a dead owner's lock is taken over). Resolves with its release. */
export async function acquireLock(lockDir: string, timeoutMs = 600000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // stale lock? (owner process gone)
      try {
        const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8').trim());
        if (pid > 0 && !alive(pid)) rmSync(lockDir, { recursive: true, force: true });
        else if (!pid && Date.now() - statSync(lockDir).mtimeMs > 60000) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        /* raced with the owner */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await sleep(250);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------------ CDS

/**
 * AppCDS archive per jar (created by `createCdsArchive`, normally from provision.js): halves JVM start time
 * (provider READY ~0.9-1.1 s instead of ~1.7-2 s). Keyed by jar mtime+size; set FERRY_JAVA_CDS=0 to disable.
 */
export function cdsArchivePath(jar: string): string {
  const st = statSync(jar);
  return join(dirname(jar), `${basename(jar, '.jar')}.${Math.floor(st.mtimeMs)}-${st.size}.jsa`);
}

export function cdsArgs(jar: string): string[] {
  if (process.env.FERRY_JAVA_CDS === '0') return [];
  try {
    const p = cdsArchivePath(jar);
    return existsSync(p) ? [`-XX:SharedArchiveFile=${p}`, '-Xshare:auto', '-Xlog:cds=off', '-Xlog:cds+dynamic=off'] : [];
  } catch {
    return [];
  }
}

/**
 * Creates the AppCDS archive for `jar` by starting a provider against `zkAddress` with -XX:ArchiveClassesAtExit,
 * running one consumer call through it (the consumer JVM is separate; the archive holds the provider's classes,
 * which are nearly all the consumer needs too) and stopping it. Returns the archive path (existing one if present).
 */
export async function createCdsArchive(jar: string, zkAddress: string): Promise<string> {
  const target = cdsArchivePath(jar);
  if (existsSync(target)) return target;
  const tmp = `${target}.${process.pid}.tmp`;
  const p = await startProvider({
    jar,
    zkAddress,
    name: 'cds',
    jvmArgs: [...DEFAULT_JVM_ARGS, `-XX:ArchiveClassesAtExit=${tmp}`],
    cds: false,
  });
  await p.stop();
  if (!existsSync(tmp)) throw new Error(`CDS archive was not written (${tmp}); provider log: ${p.logFile}`);
  // remove archives of older builds of this jar
  for (const f of readdirSync(dirname(jar))) {
    if (f.startsWith(`${basename(jar, '.jar')}.`) && f.endsWith('.jsa')) rmSync(join(dirname(jar), f), { force: true });
  }
  renameSync(tmp, target);
  return target;
}

// ------------------------------------------------------------------------------------------------ provider

export interface StartProviderOptions {
  jar: string;
  /** "127.0.0.1:2181", "zookeeper://127.0.0.1:2181", or "N/A" for no registry (direct connections only). */
  zkAddress: string;
  /** Dubbo port (default: a free one). */
  port?: number;
  /** Instance name, returned by TypeMatrixService.whoami() as "name:port". */
  name: string;
  /** Extra ProviderMain options, e.g. ['--register-mode', 'interface'], ['--serialization', 'default'], ['--token', 's3cret']. */
  extraArgs?: string[];
  /** JVM flags (default DEFAULT_JVM_ARGS). */
  jvmArgs?: string[];
  /** Use the AppCDS archive when present (default true). */
  cds?: boolean;
  /** READY timeout in ms (default 60000). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface JavaProvider {
  port: number;
  name: string;
  pid: number;
  /** "dubbo://127.0.0.1:PORT" — for direct (registry-less) connections. */
  url: string;
  /** Dubbo version reported by the provider, e.g. "3.3.6". */
  dubboVersion: string;
  /** JVM start -> READY as measured inside the JVM (main() start -> exported), ms. */
  startupMs: number;
  /** spawn -> READY line seen by Node, ms. */
  readyMs: number;
  /** File with the provider's stdout+stderr (deleted by stop()/kill() unless FERRY_KEEP_JAVA_LOGS=1). */
  logFile: string;
  /** Captured output so far. */
  output(): string;
  /** Graceful stop (default SIGTERM: Dubbo unregisters from ZooKeeper, closes channels). Resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL: no unregistration, the ephemeral znode lingers until the ZK session expires. */
  kill(): Promise<number | null>;
  /** Resolves when the JVM exits. */
  exited: Promise<number | null>;
  child: ChildProcess;
}

export function zkUrl(zkAddress: string): string {
  if (zkAddress === 'N/A' || zkAddress.includes('://')) return zkAddress;
  return `zookeeper://${zkAddress}`;
}

export async function startProvider(opts: StartProviderOptions): Promise<JavaProvider> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), `ferry-java-${opts.name}-`));
  const logFile = join(dir, 'provider.log');
  const logStream = createWriteStream(logFile);
  const jvm = [...(opts.jvmArgs ?? DEFAULT_JVM_ARGS), ...(opts.cds === false ? [] : cdsArgs(opts.jar))];
  const args = [
    ...jvm,
    '-jar',
    opts.jar,
    'provider',
    '--zk',
    zkUrl(opts.zkAddress),
    '--port',
    String(port),
    '--name',
    opts.name,
    ...(opts.extraArgs ?? []),
  ];
  const t0 = Date.now();
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  track(child);
  let out = '';
  const append = (d: Buffer) => {
    logStream.write(d);
    if (out.length < 4 * 1024 * 1024) out += d.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = exitOf(child);
  void exited.then(() => logStream.end());
  const timeoutMs = opts.timeoutMs ?? 60000;

  const ready = await new Promise<{ dubboVersion: string; startupMs: number }>((resolveReady, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`Java provider ${opts.name} not READY within ${timeoutMs} ms (log ${logFile}):\n${out.slice(-4000)}`));
    }, timeoutMs);
    const check = () => {
      const m = /FERRY_PROVIDER_READY port=(\d+)(?: name=\S+)?(?: dubbo=(\S+))?(?: startupMs=(\d+))?/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolveReady({ dubboVersion: m[2] ?? 'unknown', startupMs: Number(m[3] ?? -1) });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`Java provider ${opts.name} exited with ${code} before READY (log ${logFile}):\n${out.slice(-4000)}`));
    });
  });

  // the log dir is removed by stop()/kill() unless FERRY_KEEP_JAVA_LOGS=1 (kept when READY fails)
  const cleanup = async (code: number | null): Promise<number | null> => {
    if (process.env.FERRY_KEEP_JAVA_LOGS !== '1') {
      await new Promise<void>((r) => (logStream.writableFinished ? r() : logStream.once('finish', () => r())));
      rmSync(dir, { recursive: true, force: true });
    }
    return code;
  };
  return {
    port,
    name: opts.name,
    pid: child.pid ?? -1,
    url: `dubbo://127.0.0.1:${port}`,
    dubboVersion: ready.dubboVersion,
    startupMs: ready.startupMs,
    readyMs: Date.now() - t0,
    logFile,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => terminate(child, signal, 20000).then(cleanup),
    kill: () => terminate(child, 'SIGKILL').then(cleanup),
    exited,
    child,
  };
}

// ------------------------------------------------------------------------------------------------ consumer

export interface RunConsumerOptions {
  jar: string;
  /** typed | generic | concurrent | bench | matrix | greet | whoami | attachments */
  mode: string;
  /** Positional args after the mode (e.g. ['200'] for `concurrent 200`) and/or extra options (['--version', '1.0.0']). */
  args?: string[];
  /** Registry; mutually exclusive-ish with url (url wins for the reference; zk still used if both given). */
  zkAddress?: string;
  /** Direct provider URL, e.g. "dubbo://127.0.0.1:20880". */
  url?: string;
  /** Sent as Dubbo attachments on every call (--attach k=v). */
  attachments?: Record<string, string>;
  /** Process timeout in ms (default 120000): the JVM is SIGKILLed and code is null. */
  timeoutMs?: number;
  jvmArgs?: string[];
  cds?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ConsumerResult {
  /** Exit code: 0 ran to completion; 1 setup failed / self-check failed; 2 usage; null = killed (timeout). */
  code: number | null;
  /** Every stdout line that parsed as JSON. */
  lines: PeerJson[];
  stdout: string;
  stderr: string;
  /** Wall time in ms. */
  ms: number;
}

export function consumerArgs(opts: RunConsumerOptions): string[] {
  const a = ['consumer', opts.mode, ...(opts.args ?? [])];
  if (opts.zkAddress) a.push('--zk', zkUrl(opts.zkAddress));
  if (opts.url) a.push('--url', opts.url);
  for (const [k, v] of Object.entries(opts.attachments ?? {})) a.push('--attach', `${k}=${v}`);
  return a;
}

export function runConsumer(opts: RunConsumerOptions): Promise<ConsumerResult> {
  const jvm = [...(opts.jvmArgs ?? DEFAULT_JVM_ARGS), ...(opts.cds === false ? [] : cdsArgs(opts.jar))];
  const args = [...jvm, '-jar', opts.jar, ...consumerArgs(opts)];
  const t0 = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const lines: PeerJson[] = [];
      for (const l of stdout.split('\n')) {
        const t = l.trim();
        if (!t.startsWith('{') && !t.startsWith('[')) continue;
        try {
          lines.push(JSON.parse(t));
        } catch {
          /* not JSON */
        }
      }
      resolvePromise({ code, lines, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

// ------------------------------------------------------------------------------------------------ capture proxy

export interface CaptureProxy {
  port: number;
  outDir: string;
  stop(): Promise<number | null>;
}

/**
 * Starts the frame-capturing TCP proxy (java -jar ... capture): listens on a free port, forwards to `target`
 * ("127.0.0.1:20880"), writes every Dubbo frame to outDir (see sidecar/test/fixtures/dubbo/README.md).
 */
export async function startCapture(opts: { jar: string; target: string; outDir: string; port?: number }): Promise<CaptureProxy> {
  const port = opts.port ?? (await freePort());
  const child = spawn(
    'java',
    [...DEFAULT_JVM_ARGS, '-jar', opts.jar, 'capture', '--listen', String(port), '--target', opts.target, '--out', opts.outDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30000;
  while (!out.includes('FERRY_CAPTURE_READY')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`capture proxy did not start:\n${out}`);
    }
    await sleep(50);
  }
  return { port, outDir: opts.outDir, stop: () => terminate(child, 'SIGTERM', 5000) };
}
