/** What the kernel knows about a target's processes (Linux /proc): CPU time, resident memory. */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function statFields(pid: number): string[] | undefined {
  try {
    // The command name may hold spaces: fields start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process and its descendants (nginx: master + worker). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const child of parents.get(p) ?? []) walk(child);
  };
  walk(pid);
  return out;
}

/** User + system CPU time of the processes, in µs (10 ms resolution). */
export function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_US;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory now, MiB, summed over the processes. */
export function rssMiB(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS'), 0) / 1024;
}

/** Peak resident memory since start (VmHWM), MiB, summed over the processes. */
export function peakRssMiB(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmHWM'), 0) / 1024;
}
