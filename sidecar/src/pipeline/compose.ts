import type { Call, Interceptor, Invoke, Reply } from './types.js';

/** Folds interceptors around a terminal once, at start-up: the first interceptor is the outermost. */
export function compose(interceptors: readonly Interceptor[], terminal: Invoke): Invoke {
  return interceptors.reduceRight<Invoke>((next, interceptor) => {
    const wrapped = interceptor(next);
    if (typeof wrapped !== 'function') throw new TypeError('an interceptor must return an invoke function');
    return wrapped;
  }, terminal);
}

/**
 * The next stage's answer, a synchronous throw turned into a rejection: for stages written with `then()` rather than
 * as async functions (one promise per call fewer on the request path), which must never throw synchronously.
 */
export function callNext(next: Invoke, call: Call): Promise<Reply> {
  try {
    return next(call);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
