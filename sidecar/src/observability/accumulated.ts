/**
 * Metrics of the request path counted in plain numbers and handed to prom-client only when scraped.
 *
 * prom-client validates and hashes the label set on every `inc`/`observe`, bound children included: a few
 * µs and some garbage per call, on every call. Here a series is found once per label set (nested maps, no
 * key string built per call) and recording is an addition; `get()` — what prom-client's Registry asks each
 * registered metric for when it renders `/metrics` — builds the same values a prom-client Counter, Gauge or
 * Histogram would (cumulative buckets, `+Inf`, `_sum`, `_count`).
 */
import type { Metric, Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** Series by label values, in label-name order. */
class SeriesTree<S> {
  readonly #root = new Map<string, unknown>();
  readonly #depth: number;
  readonly #create: (labels: Record<string, string>) => S;
  readonly #labelNames: readonly string[];

  constructor(depth: number, create: (labels: Record<string, string>) => S, labelNames: readonly string[]) {
    this.#depth = depth;
    this.#create = create;
    this.#labelNames = labelNames;
  }

  /** Up to four label values; nothing is allocated once the series exists. */
  get(a: string, b?: string, c?: string, d?: string): S {
    let map = this.#root;
    for (let level = 0; level < this.#depth - 1; level++) {
      const key = (level === 0 ? a : level === 1 ? b : c)!;
      let next = map.get(key) as Map<string, unknown> | undefined;
      if (!next) map.set(key, (next = new Map()));
      map = next;
    }
    const key = (this.#depth === 1 ? a : this.#depth === 2 ? b : this.#depth === 3 ? c : d)!;
    let series = map.get(key) as S | undefined;
    if (!series) {
      const values = [a, b, c, d];
      const labels: Record<string, string> = {};
      this.#labelNames.forEach((name, i) => (labels[name] = values[i]!));
      map.set(key, (series = this.#create(labels)));
    }
    return series;
  }

  *all(): Generator<S> {
    const walk = function* (map: Map<string, unknown>, level: number, depth: number): Generator<S> {
      for (const v of map.values()) {
        if (level === depth - 1) yield v as S;
        else yield* walk(v as Map<string, unknown>, level + 1, depth);
      }
    };
    yield* walk(this.#root, 0, this.#depth);
  }

  clear(): void {
    this.#root.clear();
  }
}

interface Options {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

abstract class Accumulated<S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected readonly tree: SeriesTree<S>;

  constructor(options: Options, create: (labels: Record<string, string>) => S) {
    this.name = options.name;
    this.help = options.help;
    if (options.labelNames.length < 1 || options.labelNames.length > 4) throw new Error(`${options.name}: 1 to 4 labels`);
    this.tree = new SeriesTree(options.labelNames.length, create, options.labelNames);
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values (in label-name order, at most four labels). */
  series(a: string, b?: string, c?: string, d?: string): S {
    return this.tree.get(a, b, c, d);
  }

  protected abstract values(): MetricValue[];

  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  reset(): void {
    this.tree.clear();
  }
}

export interface NumberSeries {
  readonly labels: Record<string, string>;
  value: number;
}

/** A counter (`series.value++`) or a gauge (`series.value += 1` / `-= 1`). */
export class AccumulatedNumber extends Accumulated<NumberSeries> {
  readonly type: 'counter' | 'gauge';

  constructor(options: Options & { type: 'counter' | 'gauge' }) {
    super(options, (labels) => ({ labels, value: 0 }));
    this.type = options.type;
  }

  protected values(): MetricValue[] {
    return [...this.tree.all()].map((s) => ({ value: s.value, labels: s.labels }));
  }
}

export interface HistogramSeries {
  readonly labels: Record<string, string>;
  /** Per bucket (not cumulative), the last one past the largest bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class AccumulatedHistogram extends Accumulated<HistogramSeries> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(options: Options & { buckets: readonly number[] }) {
    const size = options.buckets.length + 1;
    super(options, (labels) => ({ labels, counts: new Float64Array(size), sum: 0, count: 0 }));
    this.#bounds = options.buckets;
  }

  observe(series: HistogramSeries, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.tree.all()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        out.push({ value: cumulative, labels: { le, ...s.labels }, metricName: bucket });
      });
      out.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: bucket });
      out.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      out.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return out;
  }
}
