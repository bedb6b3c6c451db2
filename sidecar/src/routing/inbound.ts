import type { FerryConfig } from '../config/schema.js';
import { compose } from '../pipeline/compose.js';
import { inboundPropagationInterceptor } from '../pipeline/propagation.js';
import { timeoutInterceptor } from '../pipeline/timeout.js';
import { LoadShedder, shedInterceptor } from '../pipeline/shed.js';
import type { InboundInterceptor } from '../pipeline/observe.js';
import type { Invoke } from '../pipeline/types.js';
import type { InboundSpec } from '../protocols/types.js';
import { createHttpClient } from '../protocols/http/client.js';
import { parseEndpoint } from '../discovery/static.js';
import { FerryError } from '../errors.js';

export interface InboundOptions {
  config: FerryConfig;
  /** Observe stages (metrics → tracing → the console's observer), outermost first. */
  observe?: readonly InboundInterceptor[];
  /** Told whether each call reached the app (health-following without a health path). */
  health?: { report(reached: boolean): void };
}

/** Failures that say the app is not there (not that it is slow or answered an error). */
const UNREACHABLE = new Set(['FERRY_ERR_UPSTREAM_CONNECT', 'FERRY_ERR_UPSTREAM_RESET']);

/** An inbound chain and the HTTP client to the app at its end: its owner (the inbound server) closes it. */
export interface InboundChain {
  readonly invoke: Invoke;
  close(): Promise<void>;
}

/**
 * The inbound chain, composed once per inbound server: observe (metrics → tracing) → shed (when load shedding is on:
 * a lagging sidecar refuses inbound calls too) → propagation (received
 * keys → the app's headers) → timeout → the protocol's answer stage → the HTTP client to `inbound.app.url`.
 * The same interceptors, error codes and telemetry as outbound calls; the app is the upstream.
 */
export function createInboundChain(spec: InboundSpec, options: InboundOptions): InboundChain {
  const { config, health } = options;
  const app = parseEndpoint(config.inbound.app.url);
  const client = createHttpClient({ ferryAnswerHeaders: true });
  const shedding = config.resilience.loadShedding;
  const shedder = shedding.enabled ? new LoadShedder(shedding) : undefined;
  const invoke = compose(
    [
      ...(options.observe ?? []).map((make) => make(spec)),
      ...(shedder ? [shedInterceptor(shedder)] : []),
      inboundPropagationInterceptor(config, spec.reserved),
      timeoutInterceptor({ timeoutMs: config.inbound.app.timeoutMs }),
      spec.answer,
    ],
    health ? reporting(health, (call) => client.invoke(call, app)) : (call) => client.invoke(call, app),
  );
  return {
    invoke,
    close: () => {
      shedder?.close();
      return client.close();
    },
  };
}

/** The app call, telling `health` whether it reached the app: an answer passes, a refused or reset connection fails. */
function reporting(health: { report(reached: boolean): void }, invoke: Invoke): Invoke {
  return async (call) => {
    try {
      const reply = await invoke(call);
      health.report(true);
      return reply;
    } catch (err) {
      if (err instanceof FerryError && UNREACHABLE.has(err.code)) health.report(false);
      throw err;
    }
  };
}
