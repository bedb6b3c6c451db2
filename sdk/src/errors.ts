import { ERRORS, isErrorCode, type ErrorBody, type ErrorCode, type UpstreamDetail } from './contract.js';

/**
 * What the SDK throws. Match on `err.code` (a row of the contract's error table), not on the class.
 * `fromFerry` is true when the sidecar itself made the answer (it carried the `x-ferry-error` header).
 */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly fromFerry: boolean;
  readonly upstream?: UpstreamDetail;
  /** The body as received, for errors whose body was not Ferry's. */
  readonly body?: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: { statusCode?: number; fromFerry?: boolean; upstream?: UpstreamDetail; body?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.statusCode = options.statusCode ?? ERRORS[code].statusCode;
    this.retryable = ERRORS[code].retryable;
    this.fromFerry = options.fromFerry ?? false;
    if (options.upstream) this.upstream = options.upstream;
    if (options.body !== undefined) this.body = options.body;
  }

  static fromBody(body: ErrorBody): FerryError {
    const code = isErrorCode(body.code) ? body.code : 'FERRY_ERR_INTERNAL';
    return new FerryError(code, body.message, {
      statusCode: body.statusCode,
      fromFerry: true,
      ...(body.upstream ? { upstream: body.upstream } : {}),
    });
  }
}
