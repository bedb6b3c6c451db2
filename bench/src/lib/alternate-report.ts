/** The report of `--alternate`: each target against the baselines' windows of the same round; medians and min–max over rounds. */
import type { AlternateRun, Visit } from './alternate.js';
import { figure, median, section } from './report.js';

export interface AlternateResult extends AlternateRun {
  scenario: string;
  description: string;
  throughputBaseline: string;
  latencyBaseline: string;
  afterword?: string;
}

/** One target in one round, against the baselines' windows of that round. */
export interface RoundRatios {
  /** Max req/s ÷ the throughput baseline's. */
  maxRps: number;
  /** CPU µs/req at the rate ÷ the throughput baseline's. */
  cpu: number;
  /** CPU µs/req at max ÷ the throughput baseline's. */
  cpuAtMax: number;
  /** p50 at the rate − the latency baseline's, µs. */
  addedP50: number;
  /** p99 at the rate ÷ the throughput baseline's. */
  p99: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface AlternateSummary {
  target: string;
  maxRps: Spread;
  p50: number;
  p99: number;
  cpuUsPerRequest?: number;
  cpuUsPerRequestAtMax?: number;
  ratios: Record<keyof RoundRatios, Spread>;
  /** The ratios of each round, in round order. */
  rounds: RoundRatios[];
  errors: number;
}

function spread(values: number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return { median: NaN, min: NaN, max: NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? NaN : a / b);
const visitOf = (round: Visit[], target: string) => round.find((v) => v.target === target)!;

export function summarizeAlternate(result: AlternateResult): AlternateSummary[] {
  const names = result.rounds[0]?.map((v) => v.target) ?? [];
  return names.map((target) => {
    const own = result.rounds.map((round) => visitOf(round, target));
    const rounds = result.rounds.map((round): RoundRatios => {
      const v = visitOf(round, target);
      const t = visitOf(round, result.throughputBaseline);
      const l = visitOf(round, result.latencyBaseline);
      return {
        maxRps: v.closed.rps / t.closed.rps,
        cpu: ratio(v.cpuUsPerRequest, t.cpuUsPerRequest),
        cpuAtMax: ratio(v.cpuUsPerRequestAtMax, t.cpuUsPerRequestAtMax),
        addedP50: v.open.p50 - l.open.p50,
        p99: v.open.p99 / t.open.p99,
      };
    });
    const over = (key: keyof RoundRatios) => spread(rounds.map((r) => r[key]));
    const measured = own.some((v) => v.cpuUsPerRequest !== undefined);
    return {
      target,
      maxRps: spread(own.map((v) => v.closed.rps)),
      p50: median(own.map((v) => v.open.p50)),
      p99: median(own.map((v) => v.open.p99)),
      ...(measured
        ? {
            cpuUsPerRequest: median(own.map((v) => v.cpuUsPerRequest ?? NaN)),
            cpuUsPerRequestAtMax: median(own.map((v) => v.cpuUsPerRequestAtMax ?? NaN)),
          }
        : {}),
      ratios: { maxRps: over('maxRps'), cpu: over('cpu'), cpuAtMax: over('cpuAtMax'), addedP50: over('addedP50'), p99: over('p99') },
      rounds,
      errors: own.reduce((sum, v) => sum + v.open.errors + v.closed.errors, 0),
    };
  });
}

const spreadOf = (s: Spread, digits: number) =>
  Number.isFinite(s.median) ? `${figure(s.median, digits)} (${figure(s.min, digits)}–${figure(s.max, digits)})` : '-';

export function alternateMarkdown(result: AlternateResult, rate: number, windowS: number): string {
  const t = result.throughputBaseline;
  const header = [
    'target',
    'max req/s (min–max)',
    `max ÷ ${t}`,
    `CPU µs/req @${rate}/s (@max)`,
    `CPU ÷ ${t} @${rate}/s`,
    `CPU ÷ ${t} @max`,
    `p50 / p99 µs @${rate}/s`,
    `added p50 µs vs ${result.latencyBaseline}`,
    `p99 ÷ ${t}`,
    'RSS idle / peak MiB',
    'alloc KiB/req, promoted B/req',
    'full GCs, max GC pause ms',
    'errors',
  ];
  const processes = new Map(result.processes.map((p) => [p.target, p]));
  const rows = summarizeAlternate(result).map((r) => {
    const p = processes.get(r.target);
    const againstT = (s: Spread) => (r.target === t ? '-' : spreadOf(s, 2));
    const perRequest = (bytes: number) => bytes / Math.max(p?.requests ?? 0, 1);
    return [
      r.target,
      spreadOf(r.maxRps, 0),
      againstT(r.ratios.maxRps),
      r.cpuUsPerRequest === undefined ? '-' : `${figure(r.cpuUsPerRequest)} (${figure(r.cpuUsPerRequestAtMax)})`,
      againstT(r.ratios.cpu),
      againstT(r.ratios.cpuAtMax),
      `${figure(r.p50)} / ${figure(r.p99)}`,
      r.target === result.latencyBaseline ? '-' : spreadOf(r.ratios.addedP50, 0),
      againstT(r.ratios.p99),
      p ? `${figure(p.idleRssMiB)} / ${figure(p.peakRssMiB)}` : '-',
      p?.gc ? `${figure(perRequest(p.gc.allocatedBytes) / 1024, 1)}, ${figure(perRequest(p.gc.promotedBytes))}` : '-',
      p?.gc ? `${figure(p.gc.fullGcs)}, ${figure(p.gc.maxPauseMs, 1)}` : '-',
      figure(r.errors),
    ];
  });
  const note =
    `Alternating windows: ${result.rounds.length} rounds, all targets live, visited in order and back (A B C, C B A, …), ` +
    `each visit ${windowS}s open loop at ${rate}/s then ${windowS}s closed loop; ratios taken within a round, ` +
    'median (min–max) over rounds; RSS idle before any load and peak at the end, GCs summed over all windows.';
  return section(result, header, rows, note);
}
