/**
 * One sample of one target: start it, read its idle memory, warm it up, then an open-loop run at the fixed rate
 * (latency, CPU per request, allocation and promotion per request) and a closed-loop run (max throughput, full
 * GCs, peak memory). Repeats are interleaved (A B C, A B C, …) by the runner and summarised by medians.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarizeProfile } from '../profile/summary.js';
import type { GcCounters } from './gc.js';
import { closedLoop, openLoop, type LoadResult } from './load.js';
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
async function start(target: Target): ReturnType<Target['start']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await target.start();
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

export async function sample(target: Target, options: BenchOptions): Promise<Sample> {
  const running = await start(target);
  try {
    const measured = target.measured !== false;
    await sleep(options.settleMs);
    const idleRssMiB = rssMiB(running.pids);
    const request = (url: string) => {
      if (!target.request) throw new Error(`target "${target.name}" has neither a request nor its own load`);
      return target.request(url);
    };
    const open = target.open ?? ((url: string) => openLoop(options.tools, request(url), options.durationS, options.rate, options.workDir));
    const closed = target.closed ?? ((url: string, o: BenchOptions) => closedLoop(o.tools, request(url), o.durationS, o.connections));
    if (options.warmupS > 0) await closed(running.url, { ...options, durationS: options.warmupS });

    let gcMark = running.gc?.mark();
    let cpu = cpuUs(running.pids);
    const openResult = await open(running.url, options);
    const cpuOpen = cpuUs(running.pids) - cpu;
    const gcOpen = gcMark && running.gc!.since(gcMark);

    gcMark = running.gc?.mark();
    cpu = cpuUs(running.pids);
    if (running.profiled) process.kill(running.pid, 'SIGUSR2');
    const closedResult = await closed(running.url, options);
    const cpuClosed = cpuUs(running.pids) - cpu;
    const gcClosed = gcMark && running.gc!.since(gcMark);
    if (running.profiled) await writeProfileSummary(running.pid, target.name, closedResult.requests, options.profileDir!);

    return {
      target: target.name,
      open: openResult,
      closed: closedResult,
      ...(measured
        ? {
            process: {
              startupMs: running.startupMs,
              idleRssMiB,
              peakRssMiB: peakRssMiB(running.pids),
              cpuUsPerRequest: cpuOpen / Math.max(openResult.requests, 1),
              cpuUsPerRequestAtMax: cpuClosed / Math.max(closedResult.requests, 1),
              ...(gcOpen ? { gcOpen } : {}),
              ...(gcClosed ? { gcClosed } : {}),
            },
          }
        : {}),
    };
  } finally {
    await running.stop();
  }
}
