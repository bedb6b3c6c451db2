import type { IncomingHttpHeaders } from 'node:http';
import { ROUTES } from '@ferry/sdk/contract';
import type { FerryConfig } from '../config/schema.js';
import { FerryError } from '../errors.js';
import { apiTokenCheck } from './api-token.js';
import type { Readiness } from './health.js';
import { isLoopbackHost, loopbackCheck } from './loopback-guard.js';

/** The refusal of a local request (the first check that refuses it), or undefined: it is taken. */
export type Admission = (url: string, headers: IncomingHttpHeaders) => FerryError | undefined;

const DRAIN = 'Ferry is draining: call again on a new connection';

/**
 * What the local API asks of every request before its route, composed once: not while draining (the probes
 * still answer), addressed to loopback when the port is on loopback, and with the API token when there is one.
 * Fastify's hook and the hot lane both ask it, in this order.
 */
export function admission(config: FerryConfig, state: Readiness, apiToken: string | undefined): Admission {
  const probe = (url: string) => url === ROUTES.healthz || url === ROUTES.readyz;
  const draining: Admission = (url) => (state.shuttingDown && !probe(url) ? new FerryError('FERRY_ERR_SHUTTING_DOWN', DRAIN) : undefined);
  const checks = [draining];
  if (isLoopbackHost(config.listen.host)) {
    const guard = loopbackCheck({ name: 'the local API', section: 'listen', allowedHosts: config.listen.allowedHosts });
    checks.push((_url, headers) => guard(headers));
  }
  if (apiToken) checks.push(apiTokenCheck(apiToken));
  return (url, headers) => {
    for (const check of checks) {
      const refused = check(url, headers);
      if (refused) return refused;
    }
    return undefined;
  };
}
