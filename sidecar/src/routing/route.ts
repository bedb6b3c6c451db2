import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import { resolvePolicy, type ResolvedPolicy } from '../config/policies.js';
import type { Endpoint, EndpointSource } from '../discovery/types.js';
import type { Protocol, ProtocolClient } from '../protocols/types.js';
import type { FerryError } from '../errors.js';
import { compose } from '../pipeline/compose.js';
import { propagationInterceptor, type PropagationPolicy } from '../pipeline/propagation.js';
import { retryInterceptor } from '../pipeline/retry.js';
import { RetryBudget } from '../pipeline/retry-budget.js';
import { balanceInterceptor } from '../pipeline/balance.js';
import { Breakers, breakerInterceptor } from '../pipeline/breaker.js';
import { Outliers } from '../pipeline/outlier.js';
import { bulkheadInterceptor } from '../pipeline/bulkhead.js';
import { shedInterceptor, type LoadShedder } from '../pipeline/shed.js';
import { timeoutInterceptor } from '../pipeline/timeout.js';
import type { Interceptor, Invoke, ResilienceEvent, RouteInfo } from '../pipeline/types.js';
import { createBalancer } from './balancers/index.js';

/** Stages the sidecar adds to every route (metrics, tracing), each built for the route it wraps. */
export interface RouteStages {
  /** Outermost, in order: they see each call once, as the caller does. */
  observe?: ReadonlyArray<(route: RouteInfo) => Interceptor>;
  /** Innermost, right before the protocol client: they see each attempt, endpoint picked. */
  observeAttempt?: ReadonlyArray<(route: RouteInfo) => Interceptor>;
  /** Told about each retry of the route's calls (the retry counter). */
  onRetry?: ReadonlyArray<(route: RouteInfo) => (error: FerryError) => void>;
  /** Told about ejections, shed calls and spent retry budgets (the resilience counters). */
  onResilience?: ReadonlyArray<(route: RouteInfo) => (event: ResilienceEvent) => void>;
}

export interface RouteOptions {
  config: FerryConfig;
  service: ServiceConfig;
  protocol: Protocol<never>;
  client: ProtocolClient;
  source: EndpointSource;
  propagation: PropagationPolicy;
  stages?: RouteStages;
  /** The sidecar's load shedder, when `resilience.loadShedding` is on. */
  shedder?: LoadShedder;
}

/** One service as the pipeline reaches it: its endpoints, its client, and the chain compiled for it. */
export interface Route {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly protocol: Protocol<never>;
  readonly source: EndpointSource;
  /** The service's timeout (its policy's, or timeoutMs). */
  readonly timeoutMs: number;
  /** The whole budget of a call to `method`: the method's policy or timeoutMs, else the service's. */
  timeoutFor(method: string): number;
  /** The route's chains (one per method with a policy of its own), composed once. */
  readonly invoke: Invoke;
  /** Per-endpoint breakers (read by the console). */
  readonly breakers: Breakers;
  /** The resolved service-level policy (read by the console). */
  readonly policy: ResolvedPolicy;
  /** False while an endpoint asked for no new calls (a Dubbo provider's read-only event). */
  available(endpoint: Endpoint): boolean;
  close(): Promise<void>;
}

/**
 * Compiles a service's chain once (undici's composed interceptors, linkerd's per-target stack), outermost
 * first: observe (watchers: metrics, console → tracing) → shed (event-loop lag) → bulkhead (maxConcurrentCalls) → propagation →
 * retry (policy, requeue of refused calls, budget, deadline) → balance (pick an endpoint, skip ejected outliers, open
 * breakers and read-only providers) → breaker (per endpoint: its breaker and outlier ejection) → timeout (per attempt) →
 * observeAttempt (attempt watchers → client span) → the protocol client. Each interceptor gets what it needs here, not per call. A method
 * with a `policy:` of its own gets its own chain, sharing everything but its retry, timeout and breakers.
 */
export function createRoute(options: RouteOptions): Route {
  const { config, service, protocol, client, source, stages = {} } = options;
  const policy = resolvePolicy(config, service);
  const info: RouteInfo = {
    service: service.name,
    protocol: protocol.name,
    config: service,
    timeoutMs: policy.timeoutMs,
    telemetry: protocol.telemetry(service as never),
  };
  const retryListeners = (stages.onRetry ?? []).map((make) => make(info));
  const eventListeners = (stages.onResilience ?? []).map((make) => make(info));
  const emit = (event: ResilienceEvent) => eventListeners.forEach((listener) => listener(event));
  const { resilience } = config;
  const maxConcurrentCalls = service.maxConcurrentCalls ?? config.defaults.maxConcurrentCalls;
  const outliers = resilience.outlierEjection.enabled
    ? new Outliers({ ...resilience.outlierEjection, onEject: (endpoint, forMs) => emit({ kind: 'ejection', endpoint, forMs }) })
    : undefined;
  const breakers = new Breakers(policy.circuitBreaker);
  const budget = new RetryBudget(resilience.retryBudget);
  const balancer = createBalancer(service.loadBalancer ?? config.defaults.loadBalancer, service);
  const available = client.available ? { available: client.available.bind(client) } : {};
  const onRetry = retryListeners.length ? { onRetry: (error: FerryError) => retryListeners.forEach((listener) => listener(error)) } : {};
  const send: Invoke = (call) => client.invoke(call, call.endpoint!);
  // made once and shared by every chain of the route: their state (slots in flight, the budget) is the service's
  const head: Interceptor[] = [
    ...(stages.observe ?? []).map((make) => make(info)),
    ...(options.shedder ? [shedInterceptor(options.shedder, () => emit({ kind: 'shed', reason: 'event_loop' }))] : []),
    ...(maxConcurrentCalls
      ? [bulkheadInterceptor({ maxConcurrentCalls, onReject: () => emit({ kind: 'shed', reason: 'concurrency' }) })]
      : []),
    propagationInterceptor(options.propagation, service),
  ];
  const endpointCount = () => source.current().length;
  // balance would refuse an endpoint whose breaker is open: a requeue onto it would only end as FERRY_ERR_CIRCUIT_OPEN
  const untried = (b: Breakers) => (failed: ReadonlySet<string> | undefined, refused: string) =>
    source.current().some((e) => e.id !== refused && !failed?.has(e.id) && b.allows(e.id));
  const attemptStages = (stages.observeAttempt ?? []).map((make) => make(info));
  const chain = (p: ResolvedPolicy, b: Breakers) =>
    compose(
      [
        ...head,
        retryInterceptor({
          policy: p.retry,
          budget,
          untried: untried(b),
          ...onRetry,
          onBudgetExhausted: () => emit({ kind: 'retry_budget_exhausted' }),
        }),
        balanceInterceptor({ source, balancer, breakers: b, ...(outliers ? { outliers } : {}), ...available }),
        breakerInterceptor(b, outliers, endpointCount),
        timeoutInterceptor({ timeoutMs: p.timeoutMs }),
        ...attemptStages,
      ],
      send,
    );
  const serviceChain = chain(policy, breakers);
  const methodChains = new Map<string, Invoke>();
  const methodTimeouts = new Map<string, number>();
  for (const [method, m] of Object.entries(service.methods ?? {})) {
    const own = resolvePolicy(config, service, m);
    methodTimeouts.set(method, own.timeoutMs);
    if (m.policy) methodChains.set(method, chain(own, m.policy.circuitBreaker ? new Breakers(own.circuitBreaker) : breakers));
  }
  const invoke: Invoke = methodChains.size === 0 ? serviceChain : (call) => (methodChains.get(call.method) ?? serviceChain)(call);
  const unsubscribe = outliers ? forgetGone(source, (id) => outliers.forget(id)) : undefined;
  return {
    name: service.name,
    config: service,
    protocol,
    source,
    timeoutMs: policy.timeoutMs,
    timeoutFor: (method) => methodTimeouts.get(method) ?? policy.timeoutMs,
    invoke,
    breakers,
    policy,
    available: (endpoint) => client.available?.(endpoint) ?? true,
    async close() {
      unsubscribe?.();
      await Promise.allSettled([client.close(), source.close()]);
    },
  };
}

/** Tells `forget` about every endpoint that leaves discovery. */
function forgetGone(source: EndpointSource, forget: (id: string) => void): () => void {
  let known = new Set(source.current().map((e) => e.id));
  return source.subscribe((next) => {
    const ids = new Set(next.map((e) => e.id));
    for (const id of known) if (!ids.has(id)) forget(id);
    known = ids;
  });
}
