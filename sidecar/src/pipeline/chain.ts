import type { FerryConfig } from '../config/schema.js';
import { compose } from './compose.js';
import { propagationInterceptor } from './propagation.js';
import { retryInterceptor } from './retry.js';
import { balanceInterceptor } from './balance.js';
import { breakerInterceptor } from './breaker.js';
import { timeoutInterceptor } from './timeout.js';
import type { Interceptor, Invoke } from './types.js';

export interface ChainOptions {
  config: FerryConfig;
  /** Outermost interceptors (metrics, tracing), in order: they see each call once. */
  observe?: Interceptor[];
  /** Innermost interceptors, right before the protocol client: they see each attempt, endpoint picked. */
  observeAttempt?: Interceptor[];
}

/** The protocol client of the picked endpoint ends every chain. */
const sendToEndpoint: Invoke = (call) => call.route.client.invoke(call, call.endpoint!);

/**
 * The one outbound chain, composed once at start-up. Order, outermost first:
 * observe (metrics → tracing) → propagation → retry → balance (pick endpoint, skip open breakers)
 * → breaker (per endpoint) → timeout (per attempt) → observeAttempt (attempt metrics → client span) → protocol client.
 */
export function buildOutboundChain(options: ChainOptions): Invoke {
  return compose(
    [
      ...(options.observe ?? []),
      propagationInterceptor(options.config),
      retryInterceptor,
      balanceInterceptor,
      breakerInterceptor,
      timeoutInterceptor,
      ...(options.observeAttempt ?? []),
    ],
    sendToEndpoint,
  );
}
