/**
 * `--alternate ROUNDS`: a scenario's targets all started at once and kept live, each warmed up, then visited in
 * short windows, A B C on even rounds and C B A on odd ones. Why: this VM's speed drifts ~1.6× within one process
 * over seconds, so ratios between targets measured one after the other (fresh processes, ~15 s apart) move ±30%;
 * windows seconds apart, compared within their round, see nearly the same machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { addGc, type GcCounters } from './gc.js';
import type { LoadResult } from './load.js';
import { cpuPerRequest, loadsOf, logRuns, measureWindow, start } from './measure.js';
import { peakRssMiB, rssMiB } from './procfs.js';
import type { BenchOptions, Target } from '../scenarios/types.js';

/** One visit of one target: an open-loop window at the rate, then a closed-loop window. */
export interface Visit {
  target: string;
  open: LoadResult;
  closed: LoadResult;
  /** Measured targets only (a process of their own): CPU µs per request in the open-loop window. */
  cpuUsPerRequest?: number;
  /** The same in the closed-loop window. */
  cpuUsPerRequestAtMax?: number;
}

/** A measured target's process over the whole run. */
export interface LiveProcess {
  target: string;
  startupMs: number;
  /** After start-up, all targets started, before any load. */
  idleRssMiB: number;
  /** VmHWM at the end of the last round. */
  peakRssMiB: number;
  /** Summed over all its windows (warm-up left out), with the requests they answered. */
  gc?: GcCounters;
  requests: number;
}

export interface AlternateRun {
  /** rounds[round]: the visits in the order made. */
  rounds: Visit[][];
  processes: LiveProcess[];
}

type Live = { target: Target; running: Awaited<ReturnType<Target['start']>> };

async function stopAll(live: Live[]): Promise<void> {
  const stopped = await Promise.allSettled([...live].reverse().map((l) => l.running.stop()));
  const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Runs `rounds` alternating rounds of `windowS`-second windows over `targets`, all of them live from start to end. */
export async function alternate(targets: Target[], options: BenchOptions, rounds: number, windowS: number): Promise<AlternateRun> {
  const live: Live[] = [];
  let run: AlternateRun;
  try {
    // One after the other: each picks its ports once the ones before it hold theirs.
    for (const target of targets) live.push({ target, running: await start(target) });
    run = await measureRounds(live, options, rounds, windowS);
  } catch (err) {
    await stopAll(live).catch(() => undefined);
    throw err;
  }
  await stopAll(live);
  return run;
}

async function measureRounds(live: Live[], options: BenchOptions, rounds: number, windowS: number): Promise<AlternateRun> {
  await sleep(options.settleMs);
  const measured = live.filter((l) => l.target.measured !== false);
  const processes = new Map<string, LiveProcess>(
    measured.map(({ target, running }) => [
      target.name,
      { target: target.name, startupMs: running.startupMs, idleRssMiB: rssMiB(running.pids), peakRssMiB: NaN, requests: 0 },
    ]),
  );
  for (const { target, running } of live) {
    if (options.warmupS > 0) await loadsOf(target).closed(running.url, { ...options, durationS: options.warmupS });
  }
  const window = { ...options, durationS: windowS };
  const visits: Visit[][] = [];
  for (let r = 0; r < rounds; r++) {
    const round: Visit[] = [];
    for (const { target, running } of r % 2 ? [...live].reverse() : live) {
      const { open, closed } = loadsOf(target);
      const openWindow = await measureWindow(running, () => open(running.url, window));
      const closedWindow = await measureWindow(running, () => closed(running.url, window));
      const proc = processes.get(target.name);
      if (proc) {
        proc.requests += openWindow.result.requests + closedWindow.result.requests;
        for (const gc of [openWindow.gc, closedWindow.gc]) if (gc) proc.gc = addGc(proc.gc, gc);
      }
      round.push({
        target: target.name,
        open: openWindow.result,
        closed: closedWindow.result,
        ...(proc ? { cpuUsPerRequest: cpuPerRequest(openWindow), cpuUsPerRequestAtMax: cpuPerRequest(closedWindow) } : {}),
      });
      logRuns(`round ${r + 1}`, target.name, openWindow.result, closedWindow.result, options.rate);
    }
    visits.push(round);
  }
  for (const { target, running } of measured) processes.get(target.name)!.peakRssMiB = peakRssMiB(running.pids);
  return { rounds: visits, processes: [...processes.values()] };
}
