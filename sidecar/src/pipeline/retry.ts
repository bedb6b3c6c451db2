import { toFerryError, type FerryError } from '../errors.js';
import type { Call, Interceptor } from './types.js';

export interface RetryOptions {
  /** Extra attempts after the first (the service's `retries`). */
  retries: number;
  /** Told about every retry (the retry counter), before the next attempt starts. */
  onRetry?(error: FerryError, call: Call): void;
}

/**
 * The endpoints that already failed a call, per attempt: written by retry, read by balance. Kept here rather
 * than on the Call, so nothing else sees (or forges) it.
 */
const failedEndpoints = new WeakMap<Call, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/** The endpoints the balancer should skip for this attempt. */
export function endpointsToAvoid(attempt: Call): ReadonlySet<string> {
  return failedEndpoints.get(attempt) ?? NONE;
}

/**
 * Retries retryable failures (the upstream certainly did not run the call) on another endpoint, within the
 * call's deadline. Wraps the endpoint pick, so each attempt is balanced afresh, skipping endpoints that
 * already failed this call. A streamed pass-through body cannot be replayed, so such calls are tried once.
 */
export function retryInterceptor(options: RetryOptions): Interceptor {
  const { retries, onRetry } = options;
  return (next) =>
    async function retry(call) {
      const replayable = !call.http?.body && !call.oneWay;
      // Made on the first failure: most calls never need it.
      let failed: Set<string> | undefined;
      for (let attempt = 1; ; attempt++) {
        const current: Call = { ...call, attempt };
        if (failed) failedEndpoints.set(current, failed);
        try {
          return await next(current);
        } catch (err) {
          const error = toFerryError(err);
          const last = attempt > retries || !replayable || !error.retryable || Date.now() >= call.deadline || call.signal.aborted;
          if (last) throw error;
          if (error.upstream?.endpoint) (failed ??= new Set()).add(error.upstream.endpoint);
          onRetry?.(error, call);
        }
      }
    };
}
