import { FerryError } from '../../errors.js';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Maps an undici/socket failure (or our own abort) to a Ferry error. Shared by http and jsonrpc. */
export function httpFailure(err: unknown, signal: AbortSignal, endpointId: string, protocol = 'http'): FerryError {
  if (signal.aborted) {
    if (signal.reason instanceof FerryError) return signal.reason;
    return new FerryError('FERRY_ERR_CANCELLED', `the app went away before ${endpointId} answered`, {
      upstream: { protocol, endpoint: endpointId },
    });
  }
  if (err instanceof FerryError) return err;
  const code = (err as { code?: string }).code ?? '';
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? '';
  const message = (err as Error).message ?? String(err);
  const upstream = { protocol, endpoint: endpointId, message };
  const unreached = CONNECT_CODES.has(code) ? err : CONNECT_CODES.has(cause) ? (err as { cause: unknown }).cause : undefined;
  if (unreached) {
    // an established connection fails with EHOSTUNREACH too, on a read or a write: the request may have been sent
    const { syscall } = unreached as { syscall?: string };
    if (syscall !== 'read' && syscall !== 'write')
      return new FerryError('FERRY_ERR_UPSTREAM_CONNECT', `cannot connect to ${endpointId}: ${code || cause}`, { upstream, cause: err });
    return new FerryError('FERRY_ERR_UPSTREAM_RESET', `connection to ${endpointId} lost: ${message}`, { upstream, cause: err });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', undefined, { upstream, cause: err });
  if (RESET_CODES.has(code) || RESET_CODES.has(cause))
    return new FerryError('FERRY_ERR_UPSTREAM_RESET', `connection to ${endpointId} lost: ${message}`, { upstream, cause: err });
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new FerryError('FERRY_ERR_UPSTREAM_TOO_LARGE', undefined, { upstream, cause: err });
  return new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', message, { upstream, cause: err });
}
