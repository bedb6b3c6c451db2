import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { Discovery } from '../discovery/index.js';
import { advertisedHost } from '../discovery/address.js';
import type { MetadataFetcher } from '../discovery/app-level/revisions.js';
import type { UpstreamEvents } from '../protocols/types.js';
import type { Protocols } from '../protocols/index.js';
import { propagationPolicy, type PropagationPolicy } from '../pipeline/propagation.js';
import { LoadShedder } from '../pipeline/shed.js';
import { createRoute, type Route, type RouteStages } from './route.js';
import { protectEmpty } from './empty-protection.js';

export type { Route, RouteStages };


export interface RouterContext {
  config: FerryConfig;
  logger: Logger;
  /** The loaded protocols (every configured service's protocol among them). */
  protocols: Protocols;
  /** Transport events of the protocol clients (metrics). */
  events?: UpstreamEvents;
  /** Observe stages every route composes (metrics, tracing). */
  stages?: RouteStages;
}

/**
 * Dubbo 3 instances' own MetadataService (application-level discovery), loaded on the first instance found:
 * a build whose registries hold none never loads the Dubbo and gRPC clients for it.
 */
function metadataServiceClient(logger: Logger): MetadataFetcher {
  let fetcher: Promise<MetadataFetcher> | undefined;
  return async (instance, signal) => {
    fetcher ??= import('../protocols/dubbo/metadata-service.js').then((m) => m.metadataServiceFetcher(logger));
    return (await fetcher)(instance, signal);
  };
}

/** Service name → route, for one config version. Only configured services (and ad-hoc targets) are reachable. */
export class Router {
  readonly #routes = new Map<string, Route>();
  readonly #ctx: RouterContext;
  readonly #propagation: PropagationPolicy;
  readonly #host: string;
  readonly #configured: number;
  readonly #shedder: LoadShedder | undefined;
  /** The registries this config's services use: the router owns them. */
  readonly discovery: Discovery;

  constructor(ctx: RouterContext) {
    this.#ctx = ctx;
    this.#propagation = propagationPolicy(ctx.config);
    this.#host = advertisedHost(ctx.config);
    this.discovery = new Discovery(ctx.config, { logger: ctx.logger, appMetadata: metadataServiceClient(ctx.logger) });
    const shedding = ctx.config.resilience.loadShedding;
    this.#shedder = shedding.enabled ? new LoadShedder(shedding) : undefined;
    for (const service of Object.values(ctx.config.services)) this.#routes.set(service.name, this.#build(service));
    this.#configured = this.#routes.size;
  }

  get(name: string): Route | undefined {
    return this.#routes.get(name);
  }

  routes(): Route[] {
    return [...this.#routes.values()];
  }

  /** A route for a service that is not in config (ad-hoc calls), built once per distinct name, at most `max` of them. */
  adhoc(service: ServiceConfig, max = Infinity): Route {
    let route = this.#routes.get(service.name);
    if (!route) {
      if (this.#routes.size - this.#configured >= max) throw new RangeError(`more than ${max} ad-hoc targets`);
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
    await this.discovery.close();
    this.#shedder?.close();
  }

  #build(service: ServiceConfig): Route {
    const { config, logger, events, stages, protocols } = this.#ctx;
    const protocol = protocols.get(service.protocol);
    if (!protocol) throw new Error(`protocol "${service.protocol}" is not loaded`);
    // each protocol is handed services of its own protocol, parsed by its own schema
    const own = service as never;
    const discovered = this.discovery.source(service, () => ({
      ...protocol.serviceKey(own),
      scheme: protocol.schemes[0] ?? service.protocol,
      ...(service.app ? { app: service.app } : {}),
    }));
    const source = service.registry
      ? protectEmpty(discovered, config.resilience.emptyListProtectionMs, (kept) => {
          const where = { service: service.name, registry: service.registry, kept };
          logger.warn(where, 'the registry reports no provider: the last list keeps serving');
        })
      : discovered;
    const registry = service.registry ? this.discovery.registry(service.registry) : undefined;
    const client = protocol.createClient(own, {
      config,
      logger,
      host: this.#host,
      ...(events ? { events } : {}),
      ...(registry ? { registry } : {}),
    });
    if (client.forget) {
      let known = new Map(source.current().map((e) => [e.id, e]));
      source.subscribe((next) => {
        const ids = new Set(next.map((e) => e.id));
        for (const [id, endpoint] of known) if (!ids.has(id)) client.forget!(endpoint);
        known = new Map(next.map((e) => [e.id, e]));
      });
    }
    return createRoute({
      config,
      service,
      protocol,
      client,
      source,
      propagation: this.#propagation,
      ...(stages ? { stages } : {}),
      ...(this.#shedder ? { shedder: this.#shedder } : {}),
    });
  }
}
