import type { FerryConfig } from './config/schema.js';
import type { Logger } from './observability/logger.js';
import type { Protocols } from './protocols/index.js';
import { Router, type RouteStages } from './routing/router.js';
import type { UpstreamEvents } from './protocols/types.js';

/** What one config version produces: the routes, each with its chain, and their registries. Swapped whole on reload. */
export interface Runtime {
  readonly config: FerryConfig;
  readonly router: Router;
}

export interface RuntimeHooks extends RouteStages {
  events?: UpstreamEvents;
}

export function buildRuntime(config: FerryConfig, logger: Logger, protocols: Protocols, hooks: RuntimeHooks = {}): Runtime {
  const { events, ...stages } = hooks;
  return { config, router: new Router({ config, logger, protocols, stages, ...(events ? { events } : {}) }) };
}
