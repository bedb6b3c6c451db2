/**
 * The real Spring Cloud peers (examples/spring-cloud): a Spring Cloud Netflix Eureka server and a Spring Boot
 * service with the Eureka client and a load-balanced RestClient. Built once (mvn package, cached by mtime).
 *
 *   await ensureSpringPeers();
 *   const eureka = await startEureka();                 // free loopback port, response cache off
 *   eureka.serviceUrl                                    // 'http://127.0.0.1:PORT/eureka/'
 *   const svc = await startSpringService({ eureka, name: 's1' });   // registered and UP in Eureka
 *   await svc.call('FERRY-APP', '/hello')               // the service calls an app by its Eureka name
 *   await svc.setStatus('DOWN');                        // the Eureka client pushes its own status
 *   await eureka.restart();                             // same port, empty registry
 *   await svc.stop(); await eureka.stop();              // SIGTERM: the service deregisters first
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { freePort } from './ports.js';
import { exitOf, terminate, track } from './procs.js';
import { REPO_ROOT, acquireLock, cdsArchivePath, cdsArgs, newestMtime } from './java.js';
import type { PeerJson } from '../support/peer-json.js';

export const SPRING_PEERS_DIR = join(REPO_ROOT, 'examples', 'spring-cloud');
export const EUREKA_JAR = join(SPRING_PEERS_DIR, 'eureka-server', 'target', 'ferry-eureka-server.jar');
export const SPRING_SERVICE_JAR = join(SPRING_PEERS_DIR, 'spring-service', 'target', 'ferry-spring-service.jar');

/** Small heaps, C1 only (start-up matters more than peak speed here); the bench passes its own. */
export const SPRING_JVM_ARGS = ['-Xmx256m', '-XX:+UseSerialGC', '-Xss512k', '-XX:TieredStopAtLevel=1'];

// ------------------------------------------------------------------------------------------------ build

/** True when both jars exist and are newer than every pom/source file. */
export function springPeersUpToDate(): boolean {
  if (!existsSync(EUREKA_JAR) || !existsSync(SPRING_SERVICE_JAR)) return false;
  let sources = newestMtime(join(SPRING_PEERS_DIR, 'pom.xml'));
  for (const m of ['eureka-server', 'spring-service']) {
    sources = Math.max(sources, newestMtime(join(SPRING_PEERS_DIR, m, 'pom.xml')), newestMtime(join(SPRING_PEERS_DIR, m, 'src')));
  }
  return Math.min(newestMtime(EUREKA_JAR), newestMtime(SPRING_SERVICE_JAR)) >= sources;
}

let building: Promise<void> | undefined;

/** `mvn package` unless the jars are newer than their sources; one build at a time machine-wide. */
export function ensureSpringPeers(opts: { log?: (line: string) => void } = {}): Promise<void> {
  building ??= buildSpringPeers(opts.log ?? (() => {})).catch((e) => {
    building = undefined;
    throw e;
  });
  return building;
}

async function buildSpringPeers(log: (line: string) => void): Promise<void> {
  if (springPeersUpToDate()) return;
  const release = await acquireLock(join(tmpdir(), 'ferry-spring-peers-build.lock'));
  try {
    if (springPeersUpToDate()) return;
    // offline first when the local repository already has Spring Cloud Netflix; online otherwise / on failure
    const m2 = join(
      process.env.HOME ?? '/root',
      '.m2',
      'repository',
      'org',
      'springframework',
      'cloud',
      'spring-cloud-netflix-eureka-server',
    );
    let lastErr = '';
    for (const extra of existsSync(m2) ? [['-o'], []] : [[]]) {
      const args = ['-q', '-B', ...extra, '-DskipTests', 'package'];
      log(`building Spring Cloud peers: (cd ${SPRING_PEERS_DIR} && mvn ${args.join(' ')})`);
      const t0 = Date.now();
      const r = spawnSync('mvn', args, { cwd: SPRING_PEERS_DIR, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.status === 0 && existsSync(EUREKA_JAR) && existsSync(SPRING_SERVICE_JAR)) {
        log(`Spring Cloud peers built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return;
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

// ------------------------------------------------------------------------------------------------ JVMs

interface Jvm {
  child: ChildProcess;
  ready: RegExpExecArray;
  /** spawn -> ready line, ms */
  readyMs: number;
  output(): string;
  exited: Promise<number | null>;
}

async function startJvm(name: string, args: string[], readyLine: RegExp, timeoutMs: number): Promise<Jvm> {
  const t0 = Date.now();
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  const append = (d: Buffer) => {
    if (out.length < 4 * 1024 * 1024) out += d.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = exitOf(child);
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready within ${timeoutMs} ms:\n${out.slice(-4000)}`));
    }, timeoutMs);
    const check = () => {
      const m = readyLine.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve(m);
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${out.slice(-4000)}`));
    });
  });
  return { child, ready, readyMs: Date.now() - t0, output: () => out, exited };
}

/**
 * Runs `start` on a free port, again on another one when Spring reports the port taken (between picking a
 * free port and the JVM binding it, seconds pass on a shared machine). A fixed port is tried once.
 */
async function onFreePort<T>(fixed: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = fixed ?? (await freePort());
    try {
      return await start(port);
    } catch (err) {
      if (fixed !== undefined || attempt >= 3 || !/Port \d+ was already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function untilTrue(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ------------------------------------------------------------------------------------------------ Eureka server

export interface EurekaOptions {
  port?: number;
  /** Require HTTP basic auth (the REST API with CSRF off, as production servers are set up). */
  auth?: { user: string; pass: string };
  /** Extra `--key=value` Spring properties. */
  args?: string[];
  jvmArgs?: string[];
  /** Use the AppCDS archive when present (default true). */
  cds?: boolean;
  timeoutMs?: number;
}

export interface EurekaServer {
  port: number;
  /** `http://127.0.0.1:PORT/eureka/` */
  serviceUrl: string;
  /** The service URL clients use: with `user:pass@` when the server requires auth (Spring's `defaultZone`). */
  clientUrl: string;
  /** Headers for requests of the harness itself (accept JSON, authorization). */
  headers: Record<string, string>;
  /** spawn -> GET /eureka/apps answers, ms (last start). */
  readyMs: number;
  running(): boolean;
  /** Instances of an application as the server has them now (the response cache is off); [] if unknown. */
  instances(
    app: string,
  ): Promise<
    Array<{ instanceId: string; status: string; hostName: string; ipAddr: string; port: { $: number }; metadata?: Record<string, string> }>
  >;
  /** Waits until `app` has instances satisfying `pred` (default: at least one UP) in the server. */
  waitFor(app: string, pred?: (instances: Awaited<ReturnType<EurekaServer['instances']>>) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGKILL: Eureka is gone (port kept). */
  pause(): Promise<void>;
  /** Starts again on the same port: an empty registry, as after any Eureka restart. */
  resume(): Promise<void>;
  restart(): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs` (default 10000). */
  stop(graceMs?: number): Promise<void>;
  output(): string;
}

/** The server with the read-only response cache off, so changes show within about a second. */
export const EUREKA_TEST_ARGS = [
  '--eureka.server.use-read-only-response-cache=false',
  '--eureka.server.response-cache-auto-expiration-in-seconds=1',
];

export function startEureka(opts: EurekaOptions = {}): Promise<EurekaServer> {
  return onFreePort(opts.port, (port) => startEurekaOn(port, opts));
}

async function startEurekaOn(port: number, opts: EurekaOptions): Promise<EurekaServer> {
  const serviceUrl = `http://127.0.0.1:${port}/eureka/`;
  const clientUrl = opts.auth ? serviceUrl.replace('http://', `http://${opts.auth.user}:${opts.auth.pass}@`) : serviceUrl;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.pass}`).toString('base64')}`;
  const authArgs = opts.auth ? [`--ferry.eureka.username=${opts.auth.user}`, `--ferry.eureka.password=${opts.auth.pass}`] : [];
  let jvm: Jvm | undefined;
  let readyMs = 0;
  const launch = async () => {
    const t0 = Date.now();
    const args = [
      ...(opts.jvmArgs ?? SPRING_JVM_ARGS),
      ...(opts.cds === false ? [] : cdsArgs(EUREKA_JAR)),
      '-jar',
      EUREKA_JAR,
      `--server.port=${port}`,
      ...EUREKA_TEST_ARGS,
      ...authArgs,
      ...(opts.args ?? []),
    ];
    jvm = await startJvm(`Eureka on ${port}`, args, /FERRY_EUREKA_READY/, opts.timeoutMs ?? 120_000);
    await untilTrue(`Eureka on ${port}`, async () => (await fetch(`${serviceUrl}apps`, { headers })).ok, 30_000);
    readyMs = Date.now() - t0;
  };
  await launch();
  const instances: EurekaServer['instances'] = async (app) => {
    const res = await fetch(`${serviceUrl}apps/${encodeURIComponent(app.toUpperCase())}`, { headers });
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`GET /eureka/apps/${app}: ${res.status}`);
    const doc = (await res.json()) as { application: { instance: unknown } };
    const list = doc.application.instance;
    return (Array.isArray(list) ? list : [list]) as Awaited<ReturnType<EurekaServer['instances']>>;
  };
  const kill = async () => {
    if (jvm) await terminate(jvm.child, 'SIGKILL');
  };
  return {
    port,
    serviceUrl,
    clientUrl,
    headers,
    get readyMs() {
      return readyMs;
    },
    running: () => !!jvm && jvm.child.exitCode === null && jvm.child.signalCode === null,
    instances,
    waitFor: (app, pred = (l) => l.some((i) => i.status === 'UP'), timeoutMs = 30_000) =>
      untilTrue(`${app} in Eureka`, async () => pred(await instances(app)), timeoutMs),
    pause: kill,
    resume: launch,
    async restart() {
      await kill();
      await launch();
    },
    async stop(graceMs = 10_000) {
      if (jvm) await terminate(jvm.child, 'SIGTERM', graceMs);
    },
    output: () => jvm?.output() ?? '',
  };
}

// ------------------------------------------------------------------------------------------------ Spring service

export interface SpringServiceOptions {
  eureka: EurekaServer;
  /** Spring application name (Eureka app name upper-cased); default `spring-orders`. */
  app?: string;
  port?: number;
  /** Eureka metadata `zone`. */
  zone?: string;
  /** Extra `--key=value` Spring properties. */
  args?: string[];
  jvmArgs?: string[];
  /** Use the AppCDS archive when present (default true). */
  cds?: boolean;
  /** Wait until the instance is UP in Eureka (default true). */
  waitRegistered?: boolean;
  timeoutMs?: number;
}

export interface SpringService {
  port: number;
  app: string;
  instanceId: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  readyMs: number;
  /** GET /call/{app}{path}: the service calls `app` by its Eureka name through Spring Cloud LoadBalancer. */
  call(app: string, path: string): Promise<{ httpStatus: number; status?: number; body?: string; error?: string }>;
  /** What the service's discovery client sees for `app`. */
  instancesOf(
    app: string,
  ): Promise<Array<{ instanceId: string; host: string; port: number; status: string; metadata: Record<string, string> }>>;
  /** The instance's own status, pushed to Eureka by its client (ApplicationInfoManager.setInstanceStatus). */
  setStatus(status: 'UP' | 'DOWN' | 'OUT_OF_SERVICE'): Promise<void>;
  /** SIGTERM: the Eureka client deregisters, then the JVM exits (SIGKILL after `graceMs`, default 15000). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: no deregistration; the lease expires. */
  kill(): Promise<number | null>;
  output(): string;
}

export function startSpringService(opts: SpringServiceOptions): Promise<SpringService> {
  return onFreePort(opts.port, (port) => startSpringServiceOn(port, opts));
}

async function startSpringServiceOn(port: number, opts: SpringServiceOptions): Promise<SpringService> {
  const app = opts.app ?? 'spring-orders';
  const args = [
    ...(opts.jvmArgs ?? SPRING_JVM_ARGS),
    ...(opts.cds === false ? [] : cdsArgs(SPRING_SERVICE_JAR)),
    '-jar',
    SPRING_SERVICE_JAR,
    `--server.port=${port}`,
    `--spring.application.name=${app}`,
    `--eureka.client.service-url.defaultZone=${opts.eureka.clientUrl}`,
    ...(opts.zone ? [`--eureka.instance.metadata-map.zone=${opts.zone}`] : []),
    ...(opts.args ?? []),
  ];
  const jvm = await startJvm(
    `Spring service ${app} on ${port}`,
    args,
    /FERRY_SPRING_READY port=\d+ app=\S+ instanceId=(\S+)/,
    opts.timeoutMs ?? 120_000,
  );
  const url = `http://127.0.0.1:${port}`;
  const instanceId = jvm.ready[1]!;
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(url + path, init);
    return { status: res.status, body: (await res.json()) as PeerJson };
  };
  if (opts.waitRegistered !== false) await opts.eureka.waitFor(app, (l) => l.some((i) => i.instanceId === instanceId && i.status === 'UP'));
  return {
    port,
    app,
    instanceId,
    url,
    readyMs: jvm.readyMs,
    async call(target, path) {
      const r = await json(`/call/${target}${path.startsWith('/') ? path : `/${path}`}`);
      return { httpStatus: r.status, ...r.body };
    },
    instancesOf: async (target) => (await json(`/instances/${target}`)).body,
    async setStatus(status) {
      await json(`/status/${status}`, { method: 'POST' });
    },
    stop: (graceMs = 15_000) => terminate(jvm.child, 'SIGTERM', graceMs),
    kill: () => terminate(jvm.child, 'SIGKILL'),
    output: jvm.output,
  };
}

// ------------------------------------------------------------------------------------------------ CDS

/**
 * AppCDS archives for both jars from one training run: Eureka and a service registered in it, one
 * load-balanced call, both stopped (the JVM writes the archive at exit). Used by startEureka/startSpringService
 * when present (see cdsArgs); FERRY_JAVA_CDS=0 disables.
 */
export async function createSpringCdsArchives(): Promise<string[]> {
  const all = [EUREKA_JAR, SPRING_SERVICE_JAR].map((jar) => ({
    jar,
    target: cdsArchivePath(jar),
    tmp: `${cdsArchivePath(jar)}.${process.pid}.tmp`,
  }));
  const targets = all.filter((t) => !existsSync(t.target));
  // a JVM whose archive exists just runs with it
  const jvm = (i: number) =>
    existsSync(all[i]!.target)
      ? {}
      : { jvmArgs: [...SPRING_JVM_ARGS, `-XX:ArchiveClassesAtExit=${all[i]!.tmp}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'], cds: false };
  if (targets.length === 0) return all.map((t) => t.target);
  const eureka = await startEureka(jvm(0));
  try {
    const svc = await startSpringService({ eureka, ...jvm(1) });
    await untilTrue('a load-balanced call', async () => (await svc.call(svc.app, '/hello')).status === 200, 30_000);
    // writing an archive takes a while at exit (25 s measured under load)
    await svc.stop(180_000);
  } finally {
    await eureka.stop(180_000);
  }
  for (const { jar, target, tmp } of targets) {
    if (!existsSync(tmp)) throw new Error(`CDS archive was not written: ${tmp}`);
    for (const f of readdirSync(dirname(jar))) {
      if (f.startsWith(`${basename(jar, '.jar')}.`) && f.endsWith('.jsa')) rmSync(join(dirname(jar), f), { force: true });
    }
    renameSync(tmp, target);
  }
  return all.map((t) => t.target);
}
