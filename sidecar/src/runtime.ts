import type { FerryConfig } from './config/schema.js';
import type { Logger } from './observability/logger.js';
import { Router, type RouteStages } from './routing/router.js';
import type { UpstreamEvents } from './protocols/types.js';

/** What one config version produces: the routes, each with its chain. Swapped whole on reload. */
export interface Runtime {
  readonly config: FerryConfig;
  readonly router: Router;
}

export interface RuntimeHooks extends RouteStages {
  events?: UpstreamEvents;
}

export function buildRuntime(config: FerryConfig, logger: Logger, hooks: RuntimeHooks = {}): Runtime {
  const { events, ...stages } = hooks;
  return { config, router: new Router({ config, logger, stages, ...(events ? { events } : {}) }) };
}
