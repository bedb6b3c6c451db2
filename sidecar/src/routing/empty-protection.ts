import type { Endpoint, EndpointListener, EndpointSource } from '../discovery/types.js';

/**
 * Dubbo's empty protection: a registry that suddenly reports no provider at all for a service that had some
 * (a namespace wiped, a registry restarted empty, every session expired at once) is more often wrong than the
 * service really gone. The last non-empty list keeps serving for `keepMs`; a list with any provider in it is taken
 * at once, and after `keepMs` of emptiness the empty list is believed. Providers that really went away fail fast
 * (connection refused: retried elsewhere, then their breakers open).
 */
export function protectEmpty(source: EndpointSource, keepMs: number, onEmpty?: (kept: number) => void): EndpointSource {
  if (keepMs <= 0) return source;
  let shown: readonly Endpoint[] = source.current();
  let timer: NodeJS.Timeout | undefined;
  const listeners = new Set<EndpointListener>();
  const show = (list: readonly Endpoint[]) => {
    shown = list;
    for (const listener of listeners) listener(list);
  };
  const unsubscribe = source.subscribe((next) => {
    if (next.length > 0 || shown.length === 0) {
      clearTimeout(timer);
      timer = undefined;
      show(next);
      return;
    }
    if (timer) return;
    onEmpty?.(shown.length);
    timer = setTimeout(() => {
      timer = undefined;
      if (source.current().length === 0) show(source.current());
    }, keepMs);
    timer.unref();
  });
  return {
    current() {
      const live = source.current();
      return live.length === 0 && timer ? shown : live;
    },
    ready: () => source.ready(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearTimeout(timer);
      unsubscribe();
      await source.close();
    },
  };
}
