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

export const figure = (v: number | undefined, digits = 0): string =>
  v === undefined || !Number.isFinite(v)
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A scenario's section: its heading, a Markdown table of `rows` under `header`, its afterword. */
export function section(
  result: Pick<ScenarioResult, 'scenario' | 'description' | 'afterword'>,
  header: string[],
  rows: string[][],
  note?: string,
): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return [
    `### ${result.scenario}: ${result.description}`,
    '',
    ...(note ? [note, ''] : []),
    ...lines,
    ...(result.afterword ? ['', result.afterword] : []),
  ].join('\n');
}

export function markdown(result: ScenarioResult, rate: number, durationS: number): string {
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
  const rows = summarize(result).map((r) => [
    r.target,
    `${figure(r.maxRps)} (${figure(r.maxRpsMin)}–${figure(r.maxRpsMax)})`,
    figure(r.throughputRatio, 2),
    `${figure(r.p50)} / ${figure(r.p99)} / ${figure(r.p999)}`,
    r.target === result.latencyBaseline ? '-' : `${figure(r.addedP50)} / ${figure(r.addedP99)}`,
    r.cpuUsPerRequest === undefined ? '-' : `${figure(r.cpuUsPerRequest)} (${figure(r.cpuUsPerRequestAtMax)})`,
    r.idleRssMiB === undefined ? '-' : `${figure(r.idleRssMiB)} / ${figure(r.peakRssMiB)}`,
    r.allocKiBPerRequest === undefined ? '-' : `${figure(r.allocKiBPerRequest, 1)}, ${figure(r.promotedBytesPerRequest)}`,
    r.maxGcPauseMs === undefined ? '-' : `${figure(r.fullGcsAtMax)}, ${figure(r.maxGcPauseMs, 1)}`,
    figure(r.startupMs),
    figure(r.errors),
  ]);
  return section(result, header, rows);
}
