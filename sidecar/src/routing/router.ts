import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { createEndpointSource } from '../discovery/index.js';
import type { UpstreamEvents } from '../protocols/types.js';
import { getProtocol } from '../protocols/index.js';
import { propagationPolicy, type PropagationPolicy } from '../pipeline/propagation.js';
import { createRoute, type Route, type RouteStages } from './route.js';

export type { Route, RouteStages };

export interface RouterContext {
  config: FerryConfig;
  logger: Logger;
  /** Transport events of the protocol clients (metrics). */
  events?: UpstreamEvents;
  /** Observe stages every route composes (metrics, tracing). */
  stages?: RouteStages;
}

/** Service name → route. Only configured services (and ad-hoc Dubbo targets) are reachable. */
export class Router {
  readonly #routes = new Map<string, Route>();
  readonly #ctx: RouterContext;
  readonly #propagation: PropagationPolicy;

  constructor(ctx: RouterContext) {
    this.#ctx = ctx;
    this.#propagation = propagationPolicy(ctx.config);
    for (const service of Object.values(ctx.config.services)) this.#routes.set(service.name, this.#build(service));
  }

  get(name: string): Route | undefined {
    return this.#routes.get(name);
  }

  routes(): Route[] {
    return [...this.#routes.values()];
  }

  /** A route for a service that is not in config (ad-hoc Dubbo calls), built once per distinct target. */
  adhoc(service: ServiceConfig): Route {
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
    await Promise.allSettled(this.routes().map((r) => r.close()));
  }

  #build(service: ServiceConfig): Route {
    const { config, logger, events, stages } = this.#ctx;
    const protocol = getProtocol(service.protocol);
    const source = createEndpointSource(service, { config, logger });
    const client = protocol.createClient(service, { config, logger, ...(events ? { events } : {}) });
    if (client.forget) {
      let known = new Map(source.current().map((e) => [e.id, e]));
      source.subscribe((next) => {
        const ids = new Set(next.map((e) => e.id));
        for (const [id, endpoint] of known) if (!ids.has(id)) client.forget!(endpoint);
        known = new Map(next.map((e) => [e.id, e]));
      });
    }
    return createRoute({ config, service, protocol, client, source, propagation: this.#propagation, ...(stages ? { stages } : {}) });
  }
}
