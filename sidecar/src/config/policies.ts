/**
 * Named resilience policies (Dapr's resiliency shape): `policies.timeouts`, `policies.retries`,
 * `policies.circuitBreakers`, each a map of named policies, attached by name to `defaults`, a service or one
 * of its methods through `policy: {timeout, retry, circuitBreaker}`. The older fields (`defaults.timeoutMs`,
 * `defaults.retries`, a service's `timeoutMs`/`retries`, a method's `timeoutMs`) keep working: they are the
 * policy where no named one is attached.
 */
import { dflt, dict, join, num, obj, oneOf, opt, str, type Infer, type Issue } from './dsl.js';

const ms = () => num({ int: true, min: 1 });

/** Why a retry policy may retry: `unsent` only when the call certainly did not run; `idempotent` also when it may have. */
export const RETRY_ON = ['unsent', 'idempotent'] as const;

export const retryPolicy = obj({
  /** Extra attempts after the first. */
  maxRetries: dflt(num({ int: true, min: 0, max: 10 }), 2),
  /** `exponential`: initialIntervalMs × multiplier^(n-1), capped at maxIntervalMs; `constant`: initialIntervalMs each time. */
  backoff: dflt(oneOf(['exponential', 'constant'] as const), 'exponential'),
  /** The wait before the first retry (0: retry at once). */
  initialIntervalMs: dflt(num({ int: true, min: 0 }), 50),
  maxIntervalMs: dflt(ms(), 1000),
  multiplier: dflt(num({ min: 1, max: 10 }), 2),
  /** Randomization factor: each wait is drawn from [w × (1 − jitter), w × (1 + jitter)] (Dapr's and gRPC's). */
  jitter: dflt(num({ min: 0, max: 1 }), 0.5),
  /**
   * `unsent` (default): only failures the error table marks retryable (connection refused, no such service on the
   * provider, overloaded…): the upstream certainly did not run the call. `idempotent`: also a connection lost
   * mid-call and an HTTP upstream's 502/503/504 answer — for methods that are safe to run twice.
   */
  retryOn: dflt(oneOf(RETRY_ON), 'unsent'),
});

export const circuitBreakerPolicy = obj({
  /** Consecutive connection-class failures (refused, reset, timeout, overloaded) that open an endpoint's breaker. */
  consecutiveFailures: dflt(num({ int: true, min: 1 }), 5),
  /** How long the breaker stays open before it half-opens. */
  openMs: dflt(ms(), 10_000),
  /** Trial calls let through while half-open; that many successes in a row close it, one failure opens it again. */
  halfOpenRequests: dflt(num({ int: true, min: 1, max: 100 }), 1),
  /** Closed breakers forget their failure count every intervalMs (0: only a success resets it). */
  intervalMs: dflt(num({ int: true, min: 0 }), 0),
});

export type RetryPolicy = Infer<typeof retryPolicy>;
export type CircuitBreakerPolicy = Infer<typeof circuitBreakerPolicy>;

export const policiesSchema = obj({
  /** name → milliseconds: the whole call's budget, all attempts and backoffs included. */
  timeouts: dflt(dict(ms()), {}),
  retries: dflt(dict(retryPolicy), {}),
  circuitBreakers: dflt(dict(circuitBreakerPolicy), {}),
});

/** `policy:` on `defaults`, a service or a method: names from `policies`. */
export const policyRef = () =>
  opt(
    obj({
      timeout: opt(str()),
      retry: opt(str()),
      circuitBreaker: opt(str()),
    }),
  );

export type PolicyRef = NonNullable<Infer<ReturnType<typeof policyRef>>>;
export type Policies = Infer<typeof policiesSchema>;

/** A breaker policy with every field at its default: what a service without a named one gets. */
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerPolicy = Object.freeze({
  consecutiveFailures: 5,
  openMs: 10_000,
  halfOpenRequests: 1,
  intervalMs: 0,
});

/** What one service (or one of its methods) runs with, every name resolved. */
export interface ResolvedPolicy {
  timeoutMs: number;
  retry: RetryPolicy;
  circuitBreaker: CircuitBreakerPolicy;
  /** Which named policies this came from (the console and errors name them); absent: the plain fields. */
  names: PolicyRef;
}

interface PolicyLevel {
  policy?: PolicyRef | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
}

/** The legacy `retries: N`: N immediate retries of unsent calls on another endpoint (as before named policies). */
export function plainRetry(retries: number): RetryPolicy {
  return { maxRetries: retries, backoff: 'constant', initialIntervalMs: 0, maxIntervalMs: 1, multiplier: 1, jitter: 0, retryOn: 'unsent' };
}

/**
 * The policy for a service or a method, most specific first: the method's named policy or `timeoutMs`, then the
 * service's named policy or fields, then `defaults.policy`, then `defaults.*`. Names are known to exist
 * (`checkPolicyReferences` ran at load).
 */
export function resolvePolicy(
  config: { policies: Policies; defaults: PolicyLevel & { timeoutMs: number; retries: number } },
  service: PolicyLevel,
  method?: PolicyLevel,
): ResolvedPolicy {
  const levels = [method, service, config.defaults].filter((l): l is PolicyLevel => !!l);
  const { policies } = config;
  const names: PolicyRef = {};
  let timeoutMs: number | undefined;
  let retry: RetryPolicy | undefined;
  let circuitBreaker: CircuitBreakerPolicy | undefined;
  for (const level of levels) {
    if (timeoutMs === undefined) {
      if (level.policy?.timeout) timeoutMs = policies.timeouts[(names.timeout = level.policy.timeout)];
      else if (level.timeoutMs !== undefined) timeoutMs = level.timeoutMs;
    }
    if (!retry) {
      if (level.policy?.retry) retry = policies.retries[(names.retry = level.policy.retry)];
      else if (level.retries !== undefined) retry = plainRetry(level.retries);
    }
    if (!circuitBreaker && level.policy?.circuitBreaker) {
      circuitBreaker = policies.circuitBreakers[(names.circuitBreaker = level.policy.circuitBreaker)];
    }
  }
  return {
    timeoutMs: timeoutMs ?? config.defaults.timeoutMs,
    retry: retry ?? plainRetry(config.defaults.retries),
    circuitBreaker: circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER,
    names,
  };
}

const KINDS = [
  ['timeout', 'timeouts'],
  ['retry', 'retries'],
  ['circuitBreaker', 'circuitBreakers'],
] as const;

/** Every `policy:` names policies that exist, and no level sets the same thing twice (a named policy and a plain field). */
export function checkPolicyReferences(
  config: {
    policies: Policies;
    defaults: PolicyLevel;
    services: Record<string, PolicyLevel & { methods?: Record<string, PolicyLevel> | undefined }>;
  },
  issues: Issue[],
): void {
  const check = (level: PolicyLevel, path: string) => {
    const ref = level.policy;
    if (!ref) return;
    for (const [field, section] of KINDS) {
      const name = ref[field];
      if (name === undefined) continue;
      const known = Object.keys(config.policies[section]);
      if (!known.includes(name)) {
        const message = `no policy named "${name}" in policies.${section} (known: ${known.join(', ') || 'none'})`;
        issues.push({ path: join(join(path, 'policy'), field), message });
      }
    }
    if (ref.timeout !== undefined && level.timeoutMs !== undefined && path !== 'defaults') {
      issues.push({ path: join(path, 'timeoutMs'), message: 'give either timeoutMs or policy.timeout, not both' });
    }
    if (ref.retry !== undefined && level.retries !== undefined && path !== 'defaults') {
      issues.push({ path: join(path, 'retries'), message: 'give either retries or policy.retry, not both' });
    }
  };
  check(config.defaults, 'defaults');
  for (const [name, service] of Object.entries(config.services)) {
    const path = join('services', name);
    check(service, path);
    for (const [method, m] of Object.entries(service.methods ?? {})) check(m, join(join(path, 'methods'), method));
  }
}
