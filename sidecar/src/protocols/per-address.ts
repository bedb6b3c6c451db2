/**
 * `compute(endpoint)` worked out once per endpoint address and kept (an URL parse per call cost its time and
 * garbage). Bounded: past 1024 addresses (a churning registry) the cache starts again.
 */
export function perAddress<E extends { address: string }, T>(compute: (endpoint: E) => T): (endpoint: E) => T {
  const cache = new Map<string, T>();
  return (endpoint) => {
    let value = cache.get(endpoint.address);
    if (value === undefined) {
      value = compute(endpoint);
      if (cache.size >= 1024) cache.clear();
      cache.set(endpoint.address, value);
    }
    return value;
  };
}
