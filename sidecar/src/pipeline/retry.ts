import { FerryError, toFerryError } from '../errors.js';
import type { Interceptor } from './types.js';

/**
 * Retries retryable failures (the upstream certainly did not run the call) on another endpoint, within the
 * call's deadline. Wraps the endpoint pick, so each attempt is balanced afresh, skipping endpoints that
 * already failed this call. A streamed pass-through body cannot be replayed, so such calls are tried once.
 */
export const retryInterceptor: Interceptor = (next) =>
  async function retry(call) {
    const retries = call.route.retries;
    const replayable = !call.http?.body && !call.oneWay;
    const failed = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        return await next({ ...call, attempt, extra: { ...call.extra, avoid: failed } });
      } catch (err) {
        const error = toFerryError(err);
        const last = attempt > retries || !replayable || !error.retryable || Date.now() >= call.deadline || call.signal.aborted;
        if (last) throw error;
        if (error.upstream?.endpoint) failed.add(error.upstream.endpoint);
        call.route.onRetry?.(call, error);
      }
    }
  };

export function endpointsToAvoid(extra: Record<string, unknown> | undefined): ReadonlySet<string> {
  const avoid = extra?.avoid;
  return avoid instanceof Set ? (avoid as Set<string>) : new Set();
}

export { FerryError };
