/**
 * The two load generators, pinned to the load core: wrk for closed-loop maximum throughput (a fixed number of
 * connections, each sending its next request when the answer arrives), vegeta for open-loop latency (requests
 * sent on schedule at a fixed rate whatever the answers do, so a stall shows in the percentiles instead of
 * slowing the generator down). Latencies in µs.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Tools } from './tools.js';
import { LOAD_CORE } from './pinning.js';

const run = promisify(execFile);
const WRK_SCRIPT = fileURLToPath(new URL('../../../wrk/report.lua', import.meta.url));

export interface Request {
  url: string;
  method?: 'GET' | 'POST';
  /** JSON body (sent with content-type application/json). */
  body?: string;
}

export interface LoadResult {
  rps: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
}

/** Closed loop: `connections` connections on one wrk thread, as fast as answers come. */
export async function closedLoop(tools: Tools, request: Request, durationS: number, connections: number): Promise<LoadResult> {
  const args = [
    '-c',
    String(LOAD_CORE),
    tools.wrk,
    '-t1',
    `-c${connections}`,
    `-d${durationS}s`,
    '--timeout',
    '10s',
    '-s',
    WRK_SCRIPT,
    request.url,
  ];
  const env = { ...process.env, WRK_METHOD: request.method ?? 'GET', WRK_BODY: request.body ?? '' };
  const { stdout } = await run('taskset', args, { env, maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line) as {
    requests: number;
    durationUs: number;
    errors: number;
    non2xx: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
  };
  return {
    rps: r.requests / (r.durationUs / 1e6),
    requests: r.requests,
    p50: r.p50,
    p90: r.p90,
    p99: r.p99,
    p999: r.p999,
    max: r.max,
    errors: r.errors + r.non2xx,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

/** Open loop: `rate` requests per second for `durationS`, every request's latency recorded (vegeta, µs). */
export async function openLoop(tools: Tools, request: Request, durationS: number, rate: number, workDir: string): Promise<LoadResult> {
  const id = `${process.pid}-${Date.now()}`;
  const targets = join(workDir, `vegeta-${id}.txt`);
  const results = join(workDir, `vegeta-${id}.bin`);
  let target = `${request.method ?? 'GET'} ${request.url}\n`;
  if (request.body !== undefined) {
    const bodyFile = join(workDir, `vegeta-${id}.json`);
    await writeFile(bodyFile, request.body);
    target += `Content-Type: application/json\n@${bodyFile}\n`;
  }
  await writeFile(targets, target);
  await run('taskset', [
    '-c',
    String(LOAD_CORE),
    tools.vegeta,
    'attack',
    `-targets=${targets}`,
    `-rate=${rate}/1s`,
    `-duration=${durationS}s`,
    '-timeout=10s',
    `-output=${results}`,
  ]);
  const { stdout } = await run(tools.vegeta, ['encode', '-to=csv', results], { maxBuffer: 1 << 28 });
  const latencies: number[] = [];
  let errors = 0;
  let first = Infinity;
  let last = 0;
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    // timestamp (ns since epoch), status code, latency (ns), …: the first three fields hold no commas.
    const [ts, code, ns] = line.split(',', 3);
    const at = Number(ts) / 1e3;
    const latency = Number(ns) / 1e3;
    first = Math.min(first, at);
    last = Math.max(last, at + latency);
    if (code === '200') latencies.push(latency);
    else errors++;
  }
  latencies.sort((a, b) => a - b);
  const elapsedS = Math.max((last - first) / 1e6, 1e-6);
  return {
    rps: latencies.length / elapsedS,
    requests: latencies.length + errors,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    max: latencies.at(-1) ?? NaN,
    errors,
  };
}
