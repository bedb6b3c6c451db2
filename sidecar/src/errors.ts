import { STATUS_CODES } from 'node:http';
import { ERRORS, type ErrorBody, type ErrorCode, type UpstreamDetail } from '@ferry/sdk/contract';

export { ERRORS, type ErrorCode };

/** An error Ferry makes itself; it always maps to one row of the contract's error table. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly upstream?: UpstreamDetail;

  constructor(code: ErrorCode, message?: string, options: { upstream?: UpstreamDetail; cause?: unknown } = {}) {
    const spec = ERRORS[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.statusCode = spec.statusCode;
    this.retryable = spec.retryable;
    if (options.upstream) this.upstream = options.upstream;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = {
      statusCode: this.statusCode,
      code: this.code,
      error: STATUS_CODES[this.statusCode] ?? 'Error',
      message: this.message,
    };
    if (this.upstream) body.upstream = this.upstream;
    return body;
  }
}

export function ferryError(code: ErrorCode, message?: string, options?: { upstream?: UpstreamDetail; cause?: unknown }): FerryError {
  return new FerryError(code, message, options);
}

export function isFerryError(err: unknown): err is FerryError {
  return err instanceof FerryError;
}

/** Anything thrown on the request path becomes a FerryError; unknown failures are internal errors. */
export function toFerryError(err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  return new FerryError('FERRY_ERR_INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}
