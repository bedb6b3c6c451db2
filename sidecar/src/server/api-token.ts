import type { FastifyInstance } from 'fastify';
import { HEADERS, ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import { digest, same } from '../console/auth.js';

/** Probes stay open: the kubelet sends no token. */
const OPEN = new Set<string>([ROUTES.healthz, ROUTES.readyz]);

/**
 * `FERRY_API_TOKEN` (Dapr's `DAPR_API_TOKEN` model): when set, every call to the local API needs it in the
 * `ferry-api-token` header; compared in constant time, never logged, never forwarded upstream.
 */
export function requireApiToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', (request, _reply, done) => {
    const given = request.headers[HEADERS.apiToken];
    if (OPEN.has(request.url.split('?')[0]!) || (typeof given === 'string' && same(given, expected))) return done();
    done(new FerryError('FERRY_ERR_UNAUTHORIZED', `the local API needs the ${HEADERS.apiToken} header (FERRY_API_TOKEN)`));
  });
}
