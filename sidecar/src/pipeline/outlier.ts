import type { FerryError } from '../errors.js';
import { ENDPOINT_FAILURES } from './breaker.js';
import type { Reply } from './types.js';

export interface OutlierOptions {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Never more than this share of the service's endpoints is ejected at once. */
  maxEjectedPercent: number;
  /** Told about each ejection (the metric). */
  onEject?(endpointId: string, forMs: number): void;
}

interface State {
  failures: number;
  /** Ejected until then (0: not ejected). */
  until: number;
  /** Ejections so far: each lasts baseEjectionMs × this (capped); it decays while the endpoint does well. */
  times: number;
  /** When the endpoint last came back or last decayed its count. */
  back: number;
}

/** Answers that say the endpoint is sick though reachable: a server error (a business exception is not one). */
const SERVER_ERRORS: ReadonlySet<string> = new Set([
  ...ENDPOINT_FAILURES,
  'FERRY_ERR_UPSTREAM_SERVER_ERROR',
  'FERRY_ERR_GRPC_INTERNAL',
  'FERRY_ERR_GRPC_UNAVAILABLE',
  'FERRY_ERR_GRPC_DATA_LOSS',
  'FERRY_ERR_JSONRPC_INTERNAL_ERROR',
]);

/**
 * Outlier ejection of one service (Envoy's `consecutive_5xx`): an endpoint with `consecutiveFailures` failed
 * attempts in a row (connection failures, timeouts, HTTP 5xx answers, server errors) is left out of balancing for
 * baseEjectionMs × its ejection count (at most maxEjectionMs), unless that would eject more than
 * maxEjectedPercent of the endpoints — a failure of the whole service must not empty it. The circuit breaker
 * stays the hard stop for endpoints that cannot be reached at all.
 */
export class Outliers {
  readonly #states = new Map<string, State>();
  readonly #options: OutlierOptions;
  #ejected = 0;

  constructor(options: OutlierOptions) {
    this.#options = options;
  }

  /** Whether the endpoint may be picked (an ejection that ran out ends here, lazily). */
  allows(endpointId: string, now = Date.now()): boolean {
    const state = this.#states.get(endpointId);
    if (!state || state.until === 0) return true;
    if (now < state.until) return false;
    state.until = 0;
    state.back = now;
    this.#ejected--;
    return true;
  }

  /** Endpoints ejected right now. */
  get ejected(): number {
    return this.#ejected;
  }

  success(endpointId: string, now = Date.now()): void {
    const state = this.#states.get(endpointId);
    if (!state) return;
    state.failures = 0;
    if (state.until !== 0) return;
    if (now - state.back >= this.#options.baseEjectionMs) {
      state.back = now;
      if (--state.times <= 0) this.#states.delete(endpointId);
    }
  }

  /** A failed attempt; `endpoints` is how many the service has now (for the ejected share). */
  failure(endpointId: string, endpoints: number, now = Date.now()): void {
    let state = this.#states.get(endpointId);
    if (!state) this.#states.set(endpointId, (state = { failures: 0, until: 0, times: 0, back: now }));
    if (state.until !== 0 || ++state.failures < this.#options.consecutiveFailures) return;
    if (this.#ejected > 0) this.#sweep(now);
    if (this.#ejected + 1 > Math.floor((endpoints * this.#options.maxEjectedPercent) / 100)) return;
    state.failures = 0;
    state.times++;
    const forMs = Math.min(this.#options.maxEjectionMs, this.#options.baseEjectionMs * state.times);
    state.until = now + forMs;
    this.#ejected++;
    this.#options.onEject?.(endpointId, forMs);
  }

  /** Ends the ejections that ran out (otherwise ended lazily, when the endpoint is next considered). */
  #sweep(now: number): void {
    for (const [id, state] of this.#states) if (state.until !== 0 && now >= state.until) this.allows(id, now);
  }

  /** An attempt's answer: a 5xx of an HTTP upstream counts against the endpoint, any other answer for it. */
  answered(endpointId: string, reply: Reply, endpoints: number): void {
    if (reply.kind === 'http' && reply.statusCode >= 500) this.failure(endpointId, endpoints);
    else this.success(endpointId);
  }

  /** An attempt's failure: server errors count against the endpoint; the app going away does not count at all. */
  failed(endpointId: string, error: FerryError, endpoints: number): void {
    if (SERVER_ERRORS.has(error.code)) this.failure(endpointId, endpoints);
    else if (error.code !== 'FERRY_ERR_CANCELLED' && error.code !== 'FERRY_ERR_REQUEST_TIMEOUT') this.success(endpointId);
  }

  /** An endpoint that left discovery takes its state with it. */
  forget(endpointId: string): void {
    const state = this.#states.get(endpointId);
    if (state && state.until !== 0) this.#ejected--;
    this.#states.delete(endpointId);
  }
}

