/**
 * A real Zipkin server for tests: the `io.zipkin:zipkin-server` exec jar from Maven Central, fetched once with
 * Maven into a cache outside the repo (`~/.cache/ferry/zipkin`, or `$FERRY_CACHE_DIR/zipkin`), run on a free
 * loopback port with in-memory storage and -Xmx256m.
 *
 *   const zipkin = await startZipkin();     // ready (/health UP) in ~4 s
 *   zipkin.spansUrl                         // exporter endpoint: http://127.0.0.1:PORT/api/v2/spans
 *   await zipkin.trace(traceId)             // the spans Zipkin holds for a trace (v2 JSON)
 *   await zipkin.stop();
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { terminate, track } from './procs.js';

export const ZIPKIN_VERSION = process.env.FERRY_ZIPKIN_VERSION ?? '3.5.1';
export const CACHE_DIR = process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry');
export const ZIPKIN_JAR = join(CACHE_DIR, 'zipkin', `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);

/** A span as Zipkin's v2 API returns it. */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string; ipv4?: string; port?: number };
  remoteEndpoint?: { serviceName?: string; ipv4?: string; port?: number };
  tags?: Record<string, string>;
}

export interface ZipkinServer {
  readonly url: string;
  readonly spansUrl: string;
  readonly port: number;
  readonly version: string;
  trace(traceId: string): Promise<ZipkinSpan[]>;
  stop(): Promise<void>;
}

/** Fetches the exec jar with Maven when it is not cached yet. Throws with Maven's output on failure. */
export function ensureZipkinJar(log: (line: string) => void = () => {}): string {
  if (existsSync(ZIPKIN_JAR)) return ZIPKIN_JAR;
  mkdirSync(join(CACHE_DIR, 'zipkin'), { recursive: true });
  log(`zipkin: mvn dependency:copy io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`);
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      'dependency:copy',
      `-Dartifact=io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`,
      `-DoutputDirectory=${join(CACHE_DIR, 'zipkin')}`,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (r.status !== 0 || !existsSync(ZIPKIN_JAR))
    throw new Error(`could not fetch zipkin-server ${ZIPKIN_VERSION}: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  return ZIPKIN_JAR;
}

export async function startZipkin(options: { timeoutMs?: number } = {}): Promise<ZipkinServer> {
  const jar = ensureZipkinJar();
  const port = await freePort();
  const logFile = join(CACHE_DIR, 'zipkin', `zipkin-${port}.log`);
  const child = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      jar,
      `--armeria.ports[0].ip=127.0.0.1`,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].protocols[0]=http',
    ],
    {
      env: { ...process.env, QUERY_PORT: String(port), STORAGE_TYPE: 'mem', COLLECTOR_SCRIBE_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  const out = createWriteStream(logFile);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`zipkin exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && ((await res.json()) as { status?: string }).status === 'UP') break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) {
      await terminate(child, 'SIGKILL', 1000);
      throw new Error(`zipkin not ready within ${options.timeoutMs ?? 60_000} ms; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    spansUrl: `${url}/api/v2/spans`,
    port,
    version: ZIPKIN_VERSION,
    async trace(traceId) {
      const res = await fetch(`${url}/api/v2/trace/${traceId}`);
      if (res.status === 404) return [];
      if (!res.ok) throw new Error(`zipkin /api/v2/trace: ${res.status} ${await res.text()}`);
      return (await res.json()) as ZipkinSpan[];
    },
    async stop() {
      await terminate(child, 'SIGTERM', 5000);
    },
  };
}
