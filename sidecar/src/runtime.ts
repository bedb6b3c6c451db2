import type { FerryConfig } from './config/schema.js';
import type { Logger } from './observability/logger.js';
import { Router } from './routing/router.js';
import { buildOutboundChain } from './pipeline/chain.js';
import type { Call, Interceptor, Invoke } from './pipeline/types.js';
import type { FerryError } from './errors.js';
import type { UpstreamEvents } from './protocols/types.js';

/** What one config version produces: the routes and the chain that reaches them. Swapped whole on reload. */
export interface Runtime {
  readonly config: FerryConfig;
  readonly router: Router;
  readonly invoke: Invoke;
}

export interface RuntimeHooks {
  observe?: Interceptor[];
  observeAttempt?: Interceptor[];
  events?: UpstreamEvents;
  onRetry?(call: Call, error: FerryError): void;
}

export function buildRuntime(config: FerryConfig, logger: Logger, hooks: RuntimeHooks = {}): Runtime {
  const router = new Router({ config, logger, ...(hooks.onRetry ? { onRetry: hooks.onRetry } : {}), ...(hooks.events ? { events: hooks.events } : {}) });
  const invoke = buildOutboundChain({
    config,
    ...(hooks.observe ? { observe: hooks.observe } : {}),
    ...(hooks.observeAttempt ? { observeAttempt: hooks.observeAttempt } : {}),
  });
  return { config, router, invoke };
}
