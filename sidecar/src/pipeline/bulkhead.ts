import { FerryError } from '../errors.js';
import type { Interceptor } from './types.js';

export interface BulkheadOptions {
  /** Calls of this service in flight at once; one more is refused at once. */
  maxConcurrentCalls: number;
  /** Told about each refusal (the metric). */
  onReject?(): void;
}

/**
 * A per-service concurrency limit (a bulkhead): one slow service holds at most maxConcurrentCalls of Ferry's calls,
 * and the next gets a fast 503 FERRY_ERR_CONCURRENCY_LIMIT instead of queueing behind them. It wraps all the call's
 * attempts (a retry keeps its slot).
 */
export function bulkheadInterceptor(options: BulkheadOptions): Interceptor {
  const { maxConcurrentCalls, onReject } = options;
  let inFlight = 0;
  return (next) =>
    async function bulkhead(call) {
      if (inFlight >= maxConcurrentCalls) {
        onReject?.();
        const message = `"${call.service}" has ${maxConcurrentCalls} calls in flight already (maxConcurrentCalls)`;
        throw new FerryError('FERRY_ERR_CONCURRENCY_LIMIT', message);
      }
      inFlight++;
      try {
        return await next(call);
      } finally {
        inFlight--;
      }
    };
}
