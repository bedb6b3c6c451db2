/** Medians of interleaved repeats, ratios taken within each repeat, as a Markdown table per scenario. */
import type { Sample } from './measure.js';

export interface ScenarioResult {
  scenario: string;
  description: string;
  throughputBaseline: string;
  latencyBaseline: string;
  /** samples[repeat][target]. */
  samples: Sample[][];
  afterword?: string;
}

export interface Summary {
  target: string;
  maxRps: number;
  maxRpsMin: number;
  maxRpsMax: number;
  /** Median over repeats of (max req/s ÷ the baseline's max req/s in the same repeat). */
  throughputRatio: number;
  p50: number;
  p99: number;
  p999: number;
  addedP50: number;
  addedP99: number;
  errors: number;
  cpuUsPerRequest?: number;
  cpuUsPerRequestAtMax?: number;
  idleRssMiB?: number;
  peakRssMiB?: number;
  startupMs?: number;
  allocKiBPerRequest?: number;
  promotedBytesPerRequest?: number;
  fullGcsAtMax?: number;
  maxGcPauseMs?: number;
}

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function defined<T>(values: Array<T | undefined>): T[] {
  return values.filter((v): v is T => v !== undefined);
}

export function summarize(result: ScenarioResult): Summary[] {
  const names = result.samples[0]?.map((s) => s.target) ?? [];
  return names.map((target) => {
    const own = result.samples.map((repeat) => repeat.find((s) => s.target === target)!);
    const base = (name: string) => result.samples.map((repeat) => repeat.find((s) => s.target === name)!);
    const tBase = base(result.throughputBaseline);
    const lBase = base(result.latencyBaseline);
    const procs = defined(own.map((s) => s.process));
    const pm = (f: (p: NonNullable<Sample['process']>, s: Sample) => number | undefined) =>
      procs.length ? median(defined(own.map((s) => s.process && f(s.process, s)))) : undefined;
    return {
      target,
      maxRps: median(own.map((s) => s.closed.rps)),
      maxRpsMin: Math.min(...own.map((s) => s.closed.rps)),
      maxRpsMax: Math.max(...own.map((s) => s.closed.rps)),
      throughputRatio: median(own.map((s, i) => s.closed.rps / tBase[i]!.closed.rps)),
      p50: median(own.map((s) => s.open.p50)),
      p99: median(own.map((s) => s.open.p99)),
      p999: median(own.map((s) => s.open.p999)),
      addedP50: median(own.map((s, i) => s.open.p50 - lBase[i]!.open.p50)),
      addedP99: median(own.map((s, i) => s.open.p99 - lBase[i]!.open.p99)),
      errors: own.reduce((n, s) => n + s.open.errors + s.closed.errors, 0),
      cpuUsPerRequest: pm((p) => p.cpuUsPerRequest),
      cpuUsPerRequestAtMax: pm((p) => p.cpuUsPerRequestAtMax),
      idleRssMiB: pm((p) => p.idleRssMiB),
      peakRssMiB: pm((p) => p.peakRssMiB),
      startupMs: pm((p) => p.startupMs),
      allocKiBPerRequest: pm((p, s) => p.gcOpen && p.gcOpen.allocatedBytes / 1024 / Math.max(s.open.requests, 1)),
      promotedBytesPerRequest: pm((p, s) => p.gcOpen && p.gcOpen.promotedBytes / Math.max(s.open.requests, 1)),
      fullGcsAtMax: pm((p) => p.gcClosed?.fullGcs),
      maxGcPauseMs: procs.some((p) => p.gcOpen)
        ? Math.max(...defined(procs.flatMap((p) => [p.gcOpen?.maxPauseMs, p.gcClosed?.maxPauseMs])))
        : undefined,
    };
  });
}

const n = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v)
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function markdown(result: ScenarioResult, rate: number, durationS: number): string {
  const rows = summarize(result);
  const header = [
    'target',
    'max req/s (min–max)',
    `÷ ${result.throughputBaseline}`,
    `p50 / p99 / p99.9 µs @${rate}/s`,
    `added p50 / p99 µs vs ${result.latencyBaseline}`,
    `CPU µs/req @${rate}/s (@max)`,
    'RSS idle / peak MiB',
    `alloc KiB/req, promoted B/req @${rate}/s`,
    `full GCs in ${durationS}s @max, max GC pause ms`,
    'start-up ms',
    'errors',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.target,
        `${n(r.maxRps)} (${n(r.maxRpsMin)}–${n(r.maxRpsMax)})`,
        n(r.throughputRatio, 2),
        `${n(r.p50)} / ${n(r.p99)} / ${n(r.p999)}`,
        r.target === result.latencyBaseline ? '-' : `${n(r.addedP50)} / ${n(r.addedP99)}`,
        r.cpuUsPerRequest === undefined ? '-' : `${n(r.cpuUsPerRequest)} (${n(r.cpuUsPerRequestAtMax)})`,
        r.idleRssMiB === undefined ? '-' : `${n(r.idleRssMiB)} / ${n(r.peakRssMiB)}`,
        r.allocKiBPerRequest === undefined ? '-' : `${n(r.allocKiBPerRequest, 1)}, ${n(r.promotedBytesPerRequest)}`,
        r.maxGcPauseMs === undefined ? '-' : `${n(r.fullGcsAtMax)}, ${n(r.maxGcPauseMs, 1)}`,
        n(r.startupMs),
        n(r.errors),
      ].join(' | ')} |`,
    );
  }
  return [`### ${result.scenario}: ${result.description}`, '', ...lines, ...(result.afterword ? ['', result.afterword] : [])].join('\n');
}
