import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { FerryError } from '../errors.js';
import type { Interceptor } from './types.js';

export interface LoadShedderOptions {
  /** The event-loop delay above which new calls start being refused. */
  maxEventLoopDelayMs: number;
  /** How often the delay is sampled. */
  sampleMs?: number;
  /** For tests: the draw that decides each call. */
  random?: () => number;
}

/**
 * Watches the event loop's delay (perf_hooks' histogram, its p99 over each sample) and how late its own sampling
 * timer fires (a stall shows at once, before any histogram sample). While the delay is above the threshold, a
 * share of new calls is refused: none at the threshold, growing linearly to all at twice it — a lagging sidecar
 * makes every call slower, so refusing some quickly keeps the rest within their deadlines. One per sidecar.
 */
export class LoadShedder {
  readonly #max: number;
  readonly #sampleMs: number;
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  readonly #random: () => number;
  #delayMs = 0;
  #sampledAt = performance.now();

  constructor(options: LoadShedderOptions) {
    this.#max = options.maxEventLoopDelayMs;
    this.#sampleMs = options.sampleMs ?? 250;
    this.#random = options.random ?? Math.random;
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#sample(), this.#sampleMs);
    this.#timer.unref();
  }

  /** The loop's delay now, in ms: the last sample's p99, or how overdue the next sample is, whichever is larger. */
  delayMs(now = performance.now()): number {
    return Math.max(this.#delayMs, now - this.#sampledAt - this.#sampleMs);
  }

  /** Whether to refuse this call. */
  shed(): boolean {
    const delay = this.delayMs();
    if (delay <= this.#max) return false;
    return this.#random() < (delay - this.#max) / this.#max;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  #sample(): void {
    const now = performance.now();
    const late = now - this.#sampledAt - this.#sampleMs;
    this.#sampledAt = now;
    this.#delayMs = Math.max(late, this.#histogram.count > 0 ? this.#histogram.percentile(99) / 1e6 : 0);
    this.#histogram.reset();
  }
}

/** Refuses calls with a fast 503 FERRY_ERR_OVERLOADED while the shedder says the sidecar lags. */
export function shedInterceptor(shedder: LoadShedder, onShed?: () => void): Interceptor {
  return (next) =>
    function shed(call) {
      if (!shedder.shed()) return next(call);
      onShed?.();
      const delay = Math.round(shedder.delayMs());
      const message = `Ferry is overloaded (event loop delay ${delay} ms): "${call.service}.${call.method}" refused`;
      return Promise.reject(new FerryError('FERRY_ERR_OVERLOADED', message));
    };
}
