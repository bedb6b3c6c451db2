/**
 * A real Prometheus server for tests: Debian's `prometheus` package (installed with apt-get when missing and
 * running as root), run by hand on a free loopback port with a temporary config and TSDB, scraping the given
 * targets every second.
 *
 *   const prom = await startPrometheus(['127.0.0.1:4141']);
 *   await prom.waitUp();                      // every target scraped with health "up"
 *   await prom.query('ferry_requests_total')  // instant-query vector
 *   await prom.stop();
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { terminate, track } from './procs.js';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Makes sure the `prometheus` binary exists (apt-get install as root); returns its version line. */
export function ensurePrometheus(log: (line: string) => void = () => {}): string {
  if (!which('prometheus')) {
    if (process.env.FERRY_PROVISION_SKIP_APT === '1') throw new Error('prometheus is not installed and FERRY_PROVISION_SKIP_APT=1');
    if (typeof process.getuid === 'function' && process.getuid() !== 0)
      throw new Error('prometheus is not installed: apt-get install -y --no-install-recommends prometheus');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    log('prometheus: apt-get install -y --no-install-recommends prometheus');
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { stdio: 'inherit', env });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { stdio: 'inherit', env });
    }
    if (r.status !== 0 || !which('prometheus')) throw new Error('apt-get install prometheus failed');
  }
  const v = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return `${v.stdout}${v.stderr}`.split('\n')[0]!.trim();
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusServer {
  readonly url: string;
  readonly version: string;
  /** Resolves once every target has been scraped successfully. */
  waitUp(timeoutMs?: number): Promise<void>;
  query(promql: string): Promise<PromSample[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: string[], options: { timeoutMs?: number } = {}): Promise<PrometheusServer> {
  const version = ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'ferry-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: ferry',
    '    scrape_interval: 1s',
    '    scrape_timeout: 1s',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(child);
  const out = createWriteStream(join(dir, 'prometheus.log'));
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}; see ${dir}/prometheus.log`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error('prometheus not ready in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    version,
    async waitUp(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const data = await api<{ activeTargets: Array<{ health: string; lastError: string; scrapeUrl: string }> }>('/api/v1/targets');
        if (data.activeTargets.length === targets.length && data.activeTargets.every((t) => t.health === 'up')) return;
        if (Date.now() > deadline) throw new Error(`targets not up: ${JSON.stringify(data.activeTargets)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async query(promql) {
      const data = await api<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result;
    },
    async stop() {
      await terminate(child, 'SIGTERM', 5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
