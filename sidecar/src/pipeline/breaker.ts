import { toFerryError } from '../errors.js';
import { DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerPolicy } from '../config/policies.js';
import type { Outliers } from './outlier.js';
import type { Interceptor } from './types.js';

/** One endpoint's breaker. Closed breakers with no failure have no state at all (the usual case allocates nothing). */
interface State {
  failures: number;
  /** When the failure count started (for `intervalMs`). */
  since: number;
  /** Set while open or half-open. */
  openedAt: number;
  open: boolean;
  /** Half-open: trial calls in flight, and successes in a row so far. */
  trials: number;
  successes: number;
}

/**
 * Per-endpoint circuit breakers of one service or method (consecutive-failure accrual, as Linkerd and Dapr's
 * `consecutiveFailures >= N` trip): `consecutiveFailures` connection-class failures open the breaker for
 * `openMs`; then it is half-open: `halfOpenRequests` trial calls go through, that many successes in a row close it,
 * one failure opens it again.
 */
export class Breakers {
  readonly #states = new Map<string, State>();
  readonly #policy: CircuitBreakerPolicy;

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

  /** Marks a call that goes through a half-open breaker as one of its trials. */
  begin(endpointId: string): void {
    const state = this.#states.get(endpointId);
    if (state?.open) state.trials++;
  }

  success(endpointId: string): void {
    const state = this.#states.get(endpointId);
    if (!state) return;
    if (state.open) {
      state.trials = Math.max(0, state.trials - 1);
      if (++state.successes < this.#policy.halfOpenRequests) return;
    }
    this.#states.delete(endpointId);
  }

  failure(endpointId: string, now = Date.now()): void {
    let state = this.#states.get(endpointId);
    if (!state) this.#states.set(endpointId, (state = { failures: 0, since: now, openedAt: 0, open: false, trials: 0, successes: 0 }));
    if (state.open) {
      // a failed trial (or a late answer of a call sent before it opened): open again for a full period
      state.openedAt = now;
      state.trials = Math.max(0, state.trials - 1);
      state.successes = 0;
      return;
    }
    if (this.#policy.intervalMs > 0 && now - state.since >= this.#policy.intervalMs) {
      state.failures = 0;
      state.since = now;
    }
    if (++state.failures >= this.#policy.consecutiveFailures) {
      state.open = true;
      state.openedAt = now;
    }
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
    async function breaker(call) {
      const id = call.endpoint!.id;
      breakers.begin(id);
      try {
        const reply = await next(call);
        breakers.success(id);
        outliers?.answered(id, reply, count());
        return reply;
      } catch (err) {
        const error = toFerryError(err);
        if (ENDPOINT_FAILURES.has(error.code)) breakers.failure(id);
        else breakers.success(id);
        outliers?.failed(id, error, count());
        throw error;
      }
    };
}
