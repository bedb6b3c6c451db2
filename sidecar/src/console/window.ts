/**
 * A sliding window of call figures in plain numbers: one slot per second, reused in a ring, so recording is a
 * few array writes and memory is fixed per series. Counts cover the last `SERIES_SECONDS` (the sparkline);
 * latency percentiles come from a log-scale histogram over the last `LATENCY_SECONDS`.
 */

/** Seconds of call counts kept (the rate series). */
export const SERIES_SECONDS = 60;
/** Seconds the latency histograms and the live figures (rate, error %, p50/p99) cover. */
export const LATENCY_SECONDS = 10;

/** Histogram bucket upper bounds in ms: 0.1 ms × 1.5^i, up to ~ 2 min; the last bucket takes anything above. */
const BOUNDS: number[] = [];
for (let b = 0.1; BOUNDS.length < 36; b *= 1.5) BOUNDS.push(b);
const BUCKETS = BOUNDS.length + 1;

function bucketOf(ms: number): number {
  // a binary search over 36 bounds: at most 6 comparisons
  let lo = 0;
  let hi = BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= BOUNDS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface WindowSummary {
  /** Calls per second over the live window. */
  rps: number;
  /** Failed share of the calls in the live window, 0..1 (0 without calls). */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Calls and failures in the live window. */
  calls: number;
  errors: number;
  /** Calls per second, one per second, oldest first (`SERIES_SECONDS` values). */
  series: number[];
}

/** The figures of a series without calls. */
export function emptySummary(): WindowSummary {
  return { rps: 0, errorRate: 0, p50Ms: null, p99Ms: null, calls: 0, errors: 0, series: new Array<number>(SERIES_SECONDS).fill(0) };
}

export class CallWindow {
  readonly #calls = new Uint32Array(SERIES_SECONDS);
  readonly #errors = new Uint32Array(SERIES_SECONDS);
  /** The second each slot currently holds (a slot from an older lap is stale and reads as zero). */
  readonly #second = new Float64Array(SERIES_SECONDS).fill(-1);
  readonly #latency = new Uint32Array(LATENCY_SECONDS * BUCKETS);
  readonly #latencySecond = new Float64Array(LATENCY_SECONDS).fill(-1);
  /** Seconds (epoch) of the last recorded call; 0 = never. */
  last = 0;

  record(nowMs: number, ms: number, failed: boolean): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % SERIES_SECONDS;
    if (this.#second[slot] !== second) {
      this.#second[slot] = second;
      this.#calls[slot] = 0;
      this.#errors[slot] = 0;
    }
    this.#calls[slot]!++;
    if (failed) this.#errors[slot]!++;
    const lslot = second % LATENCY_SECONDS;
    if (this.#latencySecond[lslot] !== second) {
      this.#latencySecond[lslot] = second;
      this.#latency.fill(0, lslot * BUCKETS, (lslot + 1) * BUCKETS);
    }
    this.#latency[lslot * BUCKETS + bucketOf(ms)]!++;
    this.last = second;
  }

  /** Whether any call was recorded in the last `seconds`. */
  activeWithin(nowMs: number, seconds: number): boolean {
    return this.last > 0 && Math.floor(nowMs / 1000) - this.last < seconds;
  }

  /**
   * The figures as of `nowMs`. The live window is the `LATENCY_SECONDS` complete seconds before the current
   * one, plus the current one: rates divide by the seconds covered so a fresh burst is not diluted.
   */
  summary(nowMs: number): WindowSummary {
    const now = Math.floor(nowMs / 1000);
    const series: number[] = new Array<number>(SERIES_SECONDS);
    for (let i = 0; i < SERIES_SECONDS; i++) {
      const second = now - (SERIES_SECONDS - 1 - i);
      const slot = ((second % SERIES_SECONDS) + SERIES_SECONDS) % SERIES_SECONDS;
      series[i] = this.#second[slot] === second ? this.#calls[slot]! : 0;
    }
    let calls = 0;
    let errors = 0;
    for (let back = 0; back < LATENCY_SECONDS; back++) {
      const second = now - back;
      const slot = ((second % SERIES_SECONDS) + SERIES_SECONDS) % SERIES_SECONDS;
      if (this.#second[slot] !== second) continue;
      calls += this.#calls[slot]!;
      errors += this.#errors[slot]!;
    }
    // the current second is partly over: count it as the fraction elapsed
    const covered = LATENCY_SECONDS - 1 + Math.max(0.001 * (nowMs - now * 1000), 0.25);
    const merged = new Uint32Array(BUCKETS);
    let total = 0;
    for (let back = 0; back < LATENCY_SECONDS; back++) {
      const second = now - back;
      const slot = ((second % LATENCY_SECONDS) + LATENCY_SECONDS) % LATENCY_SECONDS;
      if (this.#latencySecond[slot] !== second) continue;
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.#latency[slot * BUCKETS + b]!;
        merged[b]! += n;
        total += n;
      }
    }
    return {
      rps: round(calls / covered),
      errorRate: calls ? round(errors / calls, 4) : 0,
      p50Ms: quantile(merged, total, 0.5),
      p99Ms: quantile(merged, total, 0.99),
      calls,
      errors,
      series,
    };
  }
}

/** The upper bound of the bucket that holds the q-quantile (the conservative reading of a histogram). */
function quantile(buckets: Uint32Array, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    seen += buckets[b]!;
    if (seen >= rank) return round(b < BOUNDS.length ? BOUNDS[b]! : BOUNDS[BOUNDS.length - 1]! * 1.5, 3);
  }
  return null;
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
