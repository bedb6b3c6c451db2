import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Endpoint, EndpointSource } from '../discovery/types.js';
import type { Protocol, ProtocolClient } from '../protocols/types.js';
import type { FerryError } from '../errors.js';
import { compose } from '../pipeline/compose.js';
import { propagationInterceptor, type PropagationPolicy } from '../pipeline/propagation.js';
import { retryInterceptor } from '../pipeline/retry.js';
import { balanceInterceptor } from '../pipeline/balance.js';
import { Breakers, breakerInterceptor } from '../pipeline/breaker.js';
import { timeoutInterceptor } from '../pipeline/timeout.js';
import type { Interceptor, Invoke, RouteInfo } from '../pipeline/types.js';
import { createBalancer } from './balancers/index.js';

/** Stages the sidecar adds to every route (metrics, tracing), each built for the route it wraps. */
export interface RouteStages {
  /** Outermost, in order: they see each call once, as the caller does. */
  observe?: ReadonlyArray<(route: RouteInfo) => Interceptor>;
  /** Innermost, right before the protocol client: they see each attempt, endpoint picked. */
  observeAttempt?: ReadonlyArray<(route: RouteInfo) => Interceptor>;
  /** Told about each retry of the route's calls (the retry counter). */
  onRetry?: ReadonlyArray<(route: RouteInfo) => (error: FerryError) => void>;
}

export interface RouteOptions {
  config: FerryConfig;
  service: ServiceConfig;
  protocol: Protocol<never>;
  client: ProtocolClient;
  source: EndpointSource;
  propagation: PropagationPolicy;
  stages?: RouteStages;
}

/** One service as the pipeline reaches it: its endpoints, its client, and the chain compiled for it. */
export interface Route {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly protocol: Protocol<never>;
  readonly source: EndpointSource;
  readonly timeoutMs: number;
  /** The route's chain, composed once. */
  readonly invoke: Invoke;
  /** Per-endpoint breakers (read by the console). */
  readonly breakers: Breakers;
  /** False while an endpoint asked for no new calls (a Dubbo provider's read-only event). */
  available(endpoint: Endpoint): boolean;
  close(): Promise<void>;
}

/**
 * Compiles a service's chain once (undici's composed interceptors, linkerd's per-target stack), outermost
 * first: observe (metrics → tracing) → propagation → retry → balance (pick an endpoint, skip open breakers
 * and read-only providers) → breaker (per endpoint) → timeout (per attempt) → observeAttempt (attempt
 * metrics → client span) → the protocol client. Each interceptor gets what it needs here, not per call.
 */
export function createRoute(options: RouteOptions): Route {
  const { config, service, protocol, client, source, stages = {} } = options;
  const info: RouteInfo = {
    service: service.name,
    protocol: protocol.name,
    config: service,
    timeoutMs: service.timeoutMs ?? config.defaults.timeoutMs,
    telemetry: protocol.telemetry(service as never),
  };
  const retryListeners = (stages.onRetry ?? []).map((make) => make(info));
  const breakers = new Breakers();
  const send: Invoke = (call) => client.invoke(call, call.endpoint!);
  const invoke = compose(
    [
      ...(stages.observe ?? []).map((make) => make(info)),
      propagationInterceptor(options.propagation, service),
      retryInterceptor({
        retries: service.retries ?? config.defaults.retries,
        ...(retryListeners.length ? { onRetry: (error) => retryListeners.forEach((listener) => listener(error)) } : {}),
      }),
      balanceInterceptor({
        source,
        balancer: createBalancer(service.loadBalancer ?? config.defaults.loadBalancer, service),
        breakers,
        ...(client.available ? { available: client.available.bind(client) } : {}),
      }),
      breakerInterceptor(breakers),
      timeoutInterceptor({ timeoutMs: info.timeoutMs }),
      ...(stages.observeAttempt ?? []).map((make) => make(info)),
    ],
    send,
  );
  return {
    name: service.name,
    config: service,
    protocol,
    source,
    timeoutMs: info.timeoutMs,
    invoke,
    breakers,
    available: (endpoint) => client.available?.(endpoint) ?? true,
    async close() {
      await Promise.allSettled([client.close(), source.close()]);
    },
  };
}
