import { toFerryError } from '../errors.js';
import { DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerPolicy } from '../config/policies.js';
import type { Outliers } from './outlier.js';
import type { Interceptor } from './types.js';
import { callNext } from './compose.js';

/** One endpoint's breaker. Closed breakers with no failure have no state at all (the usual case allocates nothing). */
interface State {
  failures: number;
  /** When the failure count started (for `intervalMs`). */
  since: number;
  /** Set while open or half-open. */
  openedAt: number;
  open: boolean;
  /** Which opening this is (unique across endpoints and over time): the ticket of its trials. */
  epoch: number;
  /** Half-open: trial calls of this opening in flight, and their successes in a row so far. */
  trials: number;
  successes: number;
}

/** The ticket of a call sent while the breaker was closed. */
const CLOSED = 0;

/**
 * Per-endpoint circuit breakers of one service or method (consecutive-failure accrual, as Linkerd and Dapr's
 * `consecutiveFailures >= N` trip): `consecutiveFailures` connection-class failures open the breaker for
 * `openMs`; then it is half-open: `halfOpenRequests` trial calls go through, that many successes in a row close it,
 * one failure opens it again.
 *
 * Each call carries the ticket `begin` gave it. While the breaker is open only the trials of its current opening
 * count: a call sent before it opened (or a trial of an earlier half-open period) that answers late says nothing
 * about the endpoint now, so it neither closes the breaker nor opens it again nor frees a trial slot.
 */
export class Breakers {
  readonly #states = new Map<string, State>();
  readonly #policy: CircuitBreakerPolicy;
  #epochs = CLOSED;

  constructor(policy: Partial<CircuitBreakerPolicy> = {}) {
    this.#policy = { ...DEFAULT_CIRCUIT_BREAKER, ...policy };
  }

  get policy(): CircuitBreakerPolicy {
    return this.#policy;
  }

  allows(endpointId: string, now = Date.now()): boolean {
    const state = this.#states.get(endpointId);
    if (!state?.open) return true;
    return now - state.openedAt >= this.#policy.openMs && state.trials < this.#policy.halfOpenRequests;
  }

  /**
   * A call to the endpoint starts (the balancer checked `allows`): its ticket for `success` / `failure`. Through a
   * half-open breaker it is one of the current opening's trials.
   */
  begin(endpointId: string): number {
    const state = this.#states.get(endpointId);
    if (!state?.open) return CLOSED;
    state.trials++;
    return state.epoch;
  }

  success(endpointId: string, ticket: number): void {
    const state = this.#states.get(endpointId);
    if (!state) return;
    if (state.open) {
      if (ticket !== state.epoch) return;
      state.trials--;
      if (++state.successes < this.#policy.halfOpenRequests) return;
    }
    this.#states.delete(endpointId);
  }

  failure(endpointId: string, ticket: number, now = Date.now()): void {
    let state = this.#states.get(endpointId);
    if (!state) {
      state = { failures: 0, since: now, openedAt: 0, open: false, epoch: CLOSED, trials: 0, successes: 0 };
      this.#states.set(endpointId, state);
    }
    if (state.open) {
      // a failed trial: open again for a full period (trials still out belong to the period that ended)
      if (ticket === state.epoch) this.#open(state, now);
      return;
    }
    if (this.#policy.intervalMs > 0 && now - state.since >= this.#policy.intervalMs) {
      state.failures = 0;
      state.since = now;
    }
    if (++state.failures >= this.#policy.consecutiveFailures) this.#open(state, now);
  }

  #open(state: State, now: number): void {
    state.open = true;
    state.openedAt = now;
    state.epoch = ++this.#epochs;
    state.trials = 0;
    state.successes = 0;
  }

  /** Open or half-open (the console shows it as open). */
  isOpen(endpointId: string): boolean {
    return this.#states.get(endpointId)?.open ?? false;
  }
}

/** Only failures that say the endpoint itself is unwell count; a business exception does not. */
export const ENDPOINT_FAILURES: ReadonlySet<string> = new Set([
  'FERRY_ERR_UPSTREAM_CONNECT',
  'FERRY_ERR_UPSTREAM_RESET',
  'FERRY_ERR_UPSTREAM_TIMEOUT',
  'FERRY_ERR_UPSTREAM_OVERLOADED',
]);

/**
 * Counts each attempt's outcome against the picked endpoint's breaker, and for outlier ejection when it is on (one
 * stage for both: one await per attempt, not two).
 */
export function breakerInterceptor(breakers: Breakers, outliers?: Outliers, endpoints?: () => number): Interceptor {
  const count = endpoints ?? (() => 0);
  return (next) =>
    function breaker(call) {
      const id = call.endpoint!.id;
      const ticket = breakers.begin(id);
      // then(), not an async wrapper: one promise per attempt instead of two
      return callNext(next, call).then(
        (reply) => {
          breakers.success(id, ticket);
          outliers?.answered(id, reply, count());
          return reply;
        },
        (err: unknown) => {
          const error = toFerryError(err);
          if (ENDPOINT_FAILURES.has(error.code)) breakers.failure(id, ticket);
          else breakers.success(id, ticket);
          outliers?.failed(id, error, count());
          throw error;
        },
      );
    };
}
