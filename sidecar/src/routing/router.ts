import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { EndpointSource } from '../discovery/types.js';
import { createEndpointSource } from '../discovery/index.js';
import type { Protocol, ProtocolClient, UpstreamEvents } from '../protocols/types.js';
import { getProtocol } from '../protocols/index.js';
import { createBalancer, type Balancer } from './balancers/index.js';
import { Breakers } from '../pipeline/breaker.js';
import type { Call } from '../pipeline/types.js';
import type { FerryError } from '../errors.js';

/** Everything the pipeline needs to reach one service, built once per service. */
export interface ServiceRoute {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly protocol: Protocol;
  readonly client: ProtocolClient;
  readonly source: EndpointSource;
  readonly balancer: Balancer;
  readonly breakers: Breakers;
  readonly timeoutMs: number;
  readonly retries: number;
  onRetry?(call: Call, error: FerryError): void;
}

export interface RouterContext {
  config: FerryConfig;
  logger: Logger;
  /** Transport events of the protocol clients (metrics). */
  events?: UpstreamEvents;
  /** Called on every retry (metrics hook). */
  onRetry?(call: Call, error: FerryError): void;
}

/** Service name → route. Only configured services (and ad-hoc Dubbo targets) are reachable. */
export class Router {
  readonly #routes = new Map<string, ServiceRoute>();
  readonly #ctx: RouterContext;

  constructor(ctx: RouterContext) {
    this.#ctx = ctx;
    for (const service of Object.values(ctx.config.services)) this.#routes.set(service.name, this.#build(service));
  }

  get(name: string): ServiceRoute | undefined {
    return this.#routes.get(name);
  }

  routes(): ServiceRoute[] {
    return [...this.#routes.values()];
  }

  /** A route for a service that is not in config (ad-hoc Dubbo calls), built once per distinct target. */
  adhoc(service: ServiceConfig): ServiceRoute {
    let route = this.#routes.get(service.name);
    if (!route) {
      route = this.#build(service);
      this.#routes.set(service.name, route);
    }
    return route;
  }

  /** Resolves when every service's discovery has answered once. */
  async ready(): Promise<void> {
    await Promise.all(this.routes().map((r) => r.source.ready()));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.routes().flatMap((r) => [r.client.close(), r.source.close()]));
  }

  #build(service: ServiceConfig): ServiceRoute {
    const { config, logger } = this.#ctx;
    const protocol = getProtocol(service.protocol);
    const source = createEndpointSource(service, { config, logger });
    const client = protocol.createClient(service, { config, logger, ...(this.#ctx.events ? { events: this.#ctx.events } : {}) });
    if (client.forget) {
      let known = new Map(source.current().map((e) => [e.id, e]));
      source.subscribe((next) => {
        const ids = new Set(next.map((e) => e.id));
        for (const [id, endpoint] of known) if (!ids.has(id)) client.forget!(endpoint);
        known = new Map(next.map((e) => [e.id, e]));
      });
    }
    const route: ServiceRoute = {
      name: service.name,
      config: service,
      protocol,
      client,
      source,
      balancer: createBalancer(service.loadBalancer ?? config.defaults.loadBalancer, service),
      breakers: new Breakers(),
      timeoutMs: service.timeoutMs ?? config.defaults.timeoutMs,
      retries: service.retries ?? config.defaults.retries,
    };
    if (this.#ctx.onRetry) route.onRetry = this.#ctx.onRetry;
    return route;
  }
}
