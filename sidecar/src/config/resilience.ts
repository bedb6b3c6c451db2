/**
 * Sidecar-wide protections of the request path: the retry budget (Linkerd's), outlier ejection (Envoy's), load
 * shedding on event-loop lag, and the empty-list protection of registries (Dubbo's). Per-service concurrency
 * limits are `defaults.maxConcurrentCalls` / a service's `maxConcurrentCalls`.
 */
import { bool, dflt, num, obj, type Infer } from './dsl.js';

export const resilienceSchema = obj({
  /** Per route: retries may add at most `ratio` of the calls of the last `windowMs`, plus `minPerSecond` whatever the traffic. */
  retryBudget: obj({
    ratio: dflt(num({ min: 0, max: 10 }), 0.2),
    minPerSecond: dflt(num({ int: true, min: 0 }), 10),
    windowMs: dflt(num({ int: true, min: 1000, max: 60_000 }), 10_000),
  }),
  /**
   * An endpoint that answers `consecutiveFailures` server errors in a row (HTTP 5xx, Dubbo server errors, gRPC
   * INTERNAL/UNAVAILABLE) is left out of balancing for baseEjectionMs × the times it was ejected (at most
   * maxEjectionMs); never more than maxEjectedPercent of a service's endpoints at once.
   */
  outlierEjection: obj({
    enabled: dflt(bool(), true),
    consecutiveFailures: dflt(num({ int: true, min: 1 }), 5),
    baseEjectionMs: dflt(num({ int: true, min: 1 }), 10_000),
    maxEjectionMs: dflt(num({ int: true, min: 1 }), 300_000),
    maxEjectedPercent: dflt(num({ min: 0, max: 100 }), 50),
  }),
  /** New calls are refused (503 FERRY_ERR_OVERLOADED) while the event loop lags more than maxEventLoopDelayMs. */
  loadShedding: obj({
    enabled: dflt(bool(), false),
    maxEventLoopDelayMs: dflt(num({ int: true, min: 10 }), 200),
  }),
  /** A registry reporting no provider at all for a service that had some: the last list keeps serving this long (0: never). */
  emptyListProtectionMs: dflt(num({ int: true, min: 0 }), 60_000),
});

export type ResilienceConfig = Infer<typeof resilienceSchema>;
