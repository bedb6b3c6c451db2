import { FerryError, toFerryError } from '../errors.js';
import type { Endpoint, EndpointSource } from '../discovery/types.js';
import type { Breakers } from './breaker.js';
import type { Outliers } from './outlier.js';
import { endpointsToAvoid, noteGatewayAnswer } from './retry.js';
import { callNext } from './compose.js';
import type { Call, Interceptor } from './types.js';

/** Chooses one endpoint among the healthy candidates (never called with an empty list). */
export interface Balancer {
  pick(endpoints: readonly Endpoint[], call: Call): Endpoint;
  /** In-flight accounting for balancers that need it (least-active). */
  onStart?(endpoint: Endpoint): void;
  onEnd?(endpoint: Endpoint): void;
}

export interface BalanceOptions {
  /** Which endpoints serve the service now. */
  source: EndpointSource;
  balancer: Balancer;
  breakers: Breakers;
  /** The service's outlier ejection, when on. */
  outliers?: Outliers;
  /** False for an endpoint that asked for no new calls (a Dubbo provider's read-only event). */
  available?(endpoint: Endpoint): boolean;
}

/**
 * Picks the endpoint for this attempt: the service's balancer over the endpoints discovery knows now,
 * minus those that failed earlier attempts, those ejected as outliers and those whose breaker is open. Failures are stamped with
 * the endpoint so the retry interceptor can avoid it next time.
 */
export function balanceInterceptor(options: BalanceOptions): Interceptor {
  const { source, balancer, breakers, available, outliers } = options;
  // Made once: the usual attempt (every endpoint available, every breaker closed) filters nothing and allocates no list.
  const unavailable = available && ((e: Endpoint) => !available(e));
  const blocked = (e: Endpoint) => !breakers.allows(e.id);
  const allowed = (e: Endpoint) => breakers.allows(e.id);
  function pick(call: Call): Endpoint {
    const all = source.current();
    if (all.length === 0) throw new FerryError('FERRY_ERR_NO_ENDPOINT', `no endpoint available for service "${call.service}"`);
    const avoid = endpointsToAvoid(call);
    let candidates = avoid.size ? all.filter((e) => !avoid.has(e.id)) : all;
    if (candidates.length === 0) candidates = all;
    if (available && unavailable && candidates.some(unavailable)) {
      const open = candidates.filter((e) => available(e));
      if (open.length > 0) candidates = open;
    }
    if (outliers && outliers.ejected > 0) {
      const kept = candidates.filter((e) => outliers.allows(e.id));
      if (kept.length > 0) candidates = kept;
    }
    const closed = candidates.some(blocked) ? candidates.filter(allowed) : candidates;
    if (closed.length === 0) throw new FerryError('FERRY_ERR_CIRCUIT_OPEN', `circuit open for every endpoint of "${call.service}"`);
    return balancer.pick(closed, call);
  }
  return (next) =>
    function balance(call) {
      let endpoint: Endpoint;
      try {
        endpoint = pick(call);
        balancer.onStart?.(endpoint);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      // then(), not an async wrapper: one promise per attempt instead of two
      return callNext(next, { ...call, endpoint }).then(
        (reply) => {
          balancer.onEnd?.(endpoint);
          if (reply.kind === 'http' && reply.statusCode >= 502 && reply.statusCode <= 504) noteGatewayAnswer(call, endpoint.id);
          return reply;
        },
        (err: unknown) => {
          balancer.onEnd?.(endpoint);
          const error = toFerryError(err);
          if (!error.upstream?.endpoint) {
            throw new FerryError(error.code, error.message, { upstream: { ...error.upstream, endpoint: endpoint.id }, cause: error.cause });
          }
          throw error;
        },
      );
    };
}
