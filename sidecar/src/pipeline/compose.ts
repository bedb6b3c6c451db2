import type { Interceptor, Invoke } from './types.js';

/** Folds interceptors around a terminal once, at start-up: the first interceptor is the outermost. */
export function compose(interceptors: readonly Interceptor[], terminal: Invoke): Invoke {
  return interceptors.reduceRight<Invoke>((next, interceptor) => {
    const wrapped = interceptor(next);
    if (typeof wrapped !== 'function') throw new TypeError('an interceptor must return an invoke function');
    return wrapped;
  }, terminal);
}
