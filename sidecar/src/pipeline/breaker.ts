import { toFerryError } from '../errors.js';
import type { Interceptor } from './types.js';

export interface BreakerOptions {
  /** Consecutive connection-class failures that open an endpoint's breaker. */
  failureThreshold: number;
  /** How long it stays open before one trial call is let through. */
  openMs: number;
}

const DEFAULTS: BreakerOptions = { failureThreshold: 5, openMs: 10_000 };

interface State {
  failures: number;
  openedAt: number;
  trial: boolean;
}

/** Per-endpoint circuit breakers of one service (consecutive-failure accrual, as Linkerd does). */
export class Breakers {
  readonly #states = new Map<string, State>();
  readonly #options: BreakerOptions;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  allows(endpointId: string, now = Date.now()): boolean {
    const state = this.#states.get(endpointId);
    if (!state || state.failures < this.#options.failureThreshold) return true;
    if (now - state.openedAt >= this.#options.openMs && !state.trial) return true;
    return false;
  }

  /** Marks the call that goes through a half-open breaker as its trial. */
  begin(endpointId: string): void {
    const state = this.#states.get(endpointId);
    if (state && state.failures >= this.#options.failureThreshold) state.trial = true;
  }

  success(endpointId: string): void {
    this.#states.delete(endpointId);
  }

  failure(endpointId: string, now = Date.now()): void {
    const state = this.#states.get(endpointId) ?? { failures: 0, openedAt: 0, trial: false };
    state.failures++;
    state.trial = false;
    if (state.failures >= this.#options.failureThreshold) state.openedAt = now;
    this.#states.set(endpointId, state);
  }

  isOpen(endpointId: string): boolean {
    return (this.#states.get(endpointId)?.failures ?? 0) >= this.#options.failureThreshold;
  }
}

/** Only failures that say the endpoint itself is unwell count; a business exception does not. */
const ENDPOINT_FAILURES = new Set([
  'FERRY_ERR_UPSTREAM_CONNECT',
  'FERRY_ERR_UPSTREAM_RESET',
  'FERRY_ERR_UPSTREAM_TIMEOUT',
  'FERRY_ERR_UPSTREAM_OVERLOADED',
]);

/** Counts each attempt's outcome against the picked endpoint's breaker. */
export function breakerInterceptor(breakers: Breakers): Interceptor {
  return (next) =>
    async function breaker(call) {
      const id = call.endpoint!.id;
      breakers.begin(id);
      try {
        const reply = await next(call);
        breakers.success(id);
        return reply;
      } catch (err) {
        const error = toFerryError(err);
        if (ENDPOINT_FAILURES.has(error.code)) breakers.failure(id);
        else breakers.success(id);
        throw error;
      }
    };
}
