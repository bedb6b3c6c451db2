/**
 * One sample of one target: start it, read its idle memory, warm it up, then an open-loop run at the fixed rate
 * (latency, CPU per request, allocation and promotion per request) and a closed-loop run (max throughput, full
 * GCs, peak memory). Repeats are interleaved (A B C, A B C, …) by the runner and summarised by medians. Its pieces
 * (starting a target, its loads, one measured window) also serve `--alternate` (alternate.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarizeProfile } from '../profile/summary.js';
import type { GcCounters } from './gc.js';
import { closedLoop, openLoop, type LoadResult } from './load.js';
import type { Running } from './processes.js';
import { cpuUs, peakRssMiB, rssMiB } from './procfs.js';
import type { BenchOptions, Target } from '../scenarios/types.js';

export interface Sample {
  target: string;
  open: LoadResult;
  closed: LoadResult;
  /** Only for targets that are a measured process of their own (a proxy, Ferry). */
  process?: {
    startupMs: number;
    idleRssMiB: number;
    peakRssMiB: number;
    /** CPU per request during the open-loop run, µs. */
    cpuUsPerRequest: number;
    /** CPU per request during the closed-loop run, µs. */
    cpuUsPerRequestAtMax: number;
    gcOpen?: GcCounters;
    gcClosed?: GcCounters;
  };
}

/** Stops the target's profile (preload.ts), waits for its files and writes `<dir>/<target>.md` next to them. */
async function writeProfileSummary(pid: number, target: string, requests: number, dir: string): Promise<void> {
  const base = join(dir, `${pid}-1`);
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600 && !existsSync(`${base}.done`); i++) await sleep(100);
  const file = join(dir, `${target.replace(/[^a-z0-9]+/gi, '-')}-${pid}.md`);
  await writeFile(file, `# ${target} (pid ${pid}), closed loop\n\n${await summarizeProfile(base, requests)}\n`);
  console.error(`[bench]   profile of ${target}: ${file}`);
}

/** Starts the target; a port taken between picking it and binding it (other programs on the machine) gets new ports. */
export async function start(target: Target): ReturnType<Target['start']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await target.start();
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

type Load = (url: string, options: BenchOptions) => Promise<LoadResult>;

/** The target's open and closed loops: its own (`open`/`closed`) or vegeta and wrk on its request; each runs `options.durationS`. */
export function loadsOf(target: Target): { open: Load; closed: Load } {
  const request = (url: string) => {
    if (!target.request) throw new Error(`target "${target.name}" has neither a request nor its own load`);
    return target.request(url);
  };
  return {
    open: target.open ?? ((url, o) => openLoop(o.tools, request(url), o.durationS, o.rate, o.workDir)),
    closed: target.closed ?? ((url, o) => closedLoop(o.tools, request(url), o.durationS, o.connections)),
  };
}

export interface LoadWindow {
  result: LoadResult;
  /** CPU time of the target's processes during the run, µs. */
  cpuUs: number;
  gc?: GcCounters;
}

/** One load run against a running target, with its processes' CPU time and GCs during it. */
export async function measureWindow(running: Running, load: () => Promise<LoadResult>): Promise<LoadWindow> {
  const gcMark = running.gc?.mark();
  const cpu = cpuUs(running.pids);
  const result = await load();
  const cpuSpent = cpuUs(running.pids) - cpu;
  return { result, cpuUs: cpuSpent, ...(gcMark ? { gc: running.gc!.since(gcMark) } : {}) };
}

/** CPU µs per request of a window. */
export const cpuPerRequest = (w: LoadWindow): number => w.cpuUs / Math.max(w.result.requests, 1);

/** The progress line of one target's open-loop and closed-loop runs, on stderr. */
export function logRuns(label: string, target: string, open: LoadResult, closed: LoadResult, rate: number): void {
  console.error(
    `[bench]   ${label} ${target}: ${Math.round(closed.rps)} req/s max, ` +
      `p50 ${Math.round(open.p50)} µs / p99 ${Math.round(open.p99)} µs @${rate}/s`,
  );
}

export async function sample(target: Target, options: BenchOptions): Promise<Sample> {
  const running = await start(target);
  try {
    const measured = target.measured !== false;
    await sleep(options.settleMs);
    const idleRssMiB = rssMiB(running.pids);
    const { open, closed } = loadsOf(target);
    if (options.warmupS > 0) await closed(running.url, { ...options, durationS: options.warmupS });
    const openWindow = await measureWindow(running, () => open(running.url, options));
    const closedWindow = await measureWindow(running, () => {
      if (running.profiled) process.kill(running.pid, 'SIGUSR2');
      return closed(running.url, options);
    });
    if (running.profiled) await writeProfileSummary(running.pid, target.name, closedWindow.result.requests, options.profileDir!);

    return {
      target: target.name,
      open: openWindow.result,
      closed: closedWindow.result,
      ...(measured
        ? {
            process: {
              startupMs: running.startupMs,
              idleRssMiB,
              peakRssMiB: peakRssMiB(running.pids),
              cpuUsPerRequest: cpuPerRequest(openWindow),
              cpuUsPerRequestAtMax: cpuPerRequest(closedWindow),
              ...(openWindow.gc ? { gcOpen: openWindow.gc } : {}),
              ...(closedWindow.gc ? { gcClosed: closedWindow.gc } : {}),
            },
          }
        : {}),
    };
  } finally {
    await running.stop();
  }
}
