/**
 * Linkerd's retry budget (tower's `Budget`): over a sliding window, retries may add at most `ratio` of the calls
 * made, plus a floor of `minPerSecond` whatever the traffic — so retries never multiply an outage. Counted in ten
 * buckets of windowMs / 10: two small typed arrays per route, nothing allocated per call.
 */
export interface RetryBudgetOptions {
  ratio: number;
  minPerSecond: number;
  windowMs: number;
}

const BUCKETS = 10;

export class RetryBudget {
  readonly #calls = new Uint32Array(BUCKETS);
  readonly #retries = new Uint32Array(BUCKETS);
  readonly #bucketMs: number;
  readonly #ratio: number;
  readonly #floor: number;
  #bucket = 0;
  #callTotal = 0;
  #retryTotal = 0;

  constructor(options: RetryBudgetOptions) {
    this.#bucketMs = Math.max(1, options.windowMs / BUCKETS);
    this.#ratio = options.ratio;
    this.#floor = (options.minPerSecond * options.windowMs) / 1000;
  }

  /** A call entered the route. */
  deposit(now = Date.now()): void {
    const i = this.#roll(now);
    this.#calls[i]!++;
    this.#callTotal++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  withdraw(now = Date.now()): boolean {
    const i = this.#roll(now);
    if (this.#retryTotal + 1 > this.#floor + this.#callTotal * this.#ratio) return false;
    this.#retries[i]!++;
    this.#retryTotal++;
    return true;
  }

  /** The current bucket's index, buckets older than the window emptied. */
  #roll(now: number): number {
    const bucket = Math.floor(now / this.#bucketMs);
    const stale = Math.min(BUCKETS, bucket - this.#bucket);
    for (let k = 1; k <= stale; k++) {
      const i = (this.#bucket + k) % BUCKETS;
      this.#callTotal -= this.#calls[i]!;
      this.#retryTotal -= this.#retries[i]!;
      this.#calls[i] = 0;
      this.#retries[i] = 0;
    }
    if (stale > 0) this.#bucket = bucket;
    return bucket % BUCKETS;
  }
}
