import { FerryError, toFerryError } from '../errors.js';
import { endpointsToAvoid } from './retry.js';
import type { Interceptor } from './types.js';

/**
 * Picks the endpoint for this attempt: the service's balancer over the endpoints discovery knows now,
 * minus those that failed earlier attempts and those whose breaker is open. Failures are stamped with
 * the endpoint so the retry interceptor can avoid it next time.
 */
export const balanceInterceptor: Interceptor = (next) =>
  async function balance(call) {
    const { route } = call;
    const all = route.source.current();
    if (all.length === 0) throw new FerryError('FERRY_ERR_NO_ENDPOINT', `no endpoint available for service "${call.service}"`);
    const avoid = endpointsToAvoid(call.extra);
    let candidates = all.filter((e) => !avoid.has(e.id));
    if (candidates.length === 0) candidates = [...all];
    if (route.client.available) {
      const open = candidates.filter((e) => route.client.available!(e));
      if (open.length > 0) candidates = open;
    }
    const closed = candidates.filter((e) => route.breakers.allows(e.id));
    if (closed.length === 0) throw new FerryError('FERRY_ERR_CIRCUIT_OPEN', `circuit open for every endpoint of "${call.service}"`);
    const endpoint = route.balancer.pick(closed, call);
    route.balancer.onStart?.(endpoint);
    try {
      return await next({ ...call, endpoint });
    } catch (err) {
      const error = toFerryError(err);
      if (!error.upstream?.endpoint) {
        throw new FerryError(error.code, error.message, { upstream: { ...error.upstream, endpoint: endpoint.id }, cause: error.cause });
      }
      throw error;
    } finally {
      route.balancer.onEnd?.(endpoint);
    }
  };
