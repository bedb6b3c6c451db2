import type { IncomingHttpHeaders } from 'node:http';
import { HEADERS, ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import { digest, same } from '../console/auth.js';

/** Probes stay open: the kubelet sends no token. */
const OPEN = new Set<string>([ROUTES.healthz, ROUTES.readyz]);

/**
 * `FERRY_API_TOKEN` (Dapr's `DAPR_API_TOKEN` model): when set, every call to the local API needs it in the
 * `ferry-api-token` header; compared in constant time, never logged, never forwarded upstream.
 */
export function apiTokenCheck(token: string): (url: string, headers: IncomingHttpHeaders) => FerryError | undefined {
  const expected = digest(token);
  return (url, headers) => {
    const given = headers[HEADERS.apiToken];
    if (OPEN.has(url.split('?')[0]!) || (typeof given === 'string' && same(given, expected))) return undefined;
    return new FerryError('FERRY_ERR_UNAUTHORIZED', `the local API needs the ${HEADERS.apiToken} header (FERRY_API_TOKEN)`);
  };
}
