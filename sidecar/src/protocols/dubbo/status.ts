/**
 * The one table between Dubbo response status bytes (`org.apache.dubbo.remoting.exchange.Response`) and
 * Ferry error codes, both ways.
 */
import { FerryError, type ErrorCode } from '../../errors.js';

export const DubboStatus = {
  OK: 20,
  SERIALIZATION_ERROR: 25,
  CLIENT_TIMEOUT: 30,
  SERVER_TIMEOUT: 31,
  CHANNEL_INACTIVE: 35,
  BAD_REQUEST: 40,
  BAD_RESPONSE: 50,
  SERVICE_NOT_FOUND: 60,
  SERVICE_ERROR: 70,
  SERVER_ERROR: 80,
  CLIENT_ERROR: 90,
  SERVER_THREADPOOL_EXHAUSTED_ERROR: 100,
} as const;
export type DubboStatusCode = (typeof DubboStatus)[keyof typeof DubboStatus];

const TO_FERRY: Readonly<Record<number, ErrorCode>> = {
  25: 'FERRY_ERR_UPSTREAM_BAD_RESPONSE', // provider could not serialize (or the answer exceeded its payload limit)
  30: 'FERRY_ERR_UPSTREAM_TIMEOUT',
  31: 'FERRY_ERR_UPSTREAM_TIMEOUT',
  35: 'FERRY_ERR_UPSTREAM_RESET',
  40: 'FERRY_ERR_UPSTREAM_BAD_REQUEST',
  50: 'FERRY_ERR_UPSTREAM_BAD_RESPONSE',
  60: 'FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND',
  70: 'FERRY_ERR_UPSTREAM_SERVICE_ERROR',
  80: 'FERRY_ERR_UPSTREAM_SERVER_ERROR',
  90: 'FERRY_ERR_UPSTREAM_CLIENT_ERROR',
  100: 'FERRY_ERR_UPSTREAM_OVERLOADED',
};

/** Name of a status (`SERVICE_NOT_FOUND`), or `STATUS_<n>` for unknown ones. */
export function statusName(status: number): string {
  for (const [k, v] of Object.entries(DubboStatus)) if (v === status) return k;
  return `STATUS_${status}`;
}

/** Ferry error code for a non-OK Dubbo status; unknown statuses are protocol errors. */
export function errorCodeForStatus(status: number): ErrorCode {
  return TO_FERRY[status] ?? 'FERRY_ERR_UPSTREAM_PROTOCOL';
}

/** The FerryError for a response with a non-OK status and its error message (the body's Hessian string). */
export function statusError(status: number, message: string | undefined, endpoint?: string): FerryError {
  const code = errorCodeForStatus(status);
  // Java puts whole stack traces here: the first line is the message, the rest stays available as detail.
  const firstLine = message?.split('\n', 1)[0]?.trim();
  const detail = message && message.length > (firstLine?.length ?? 0) ? message.slice(0, 8192) : undefined;
  return new FerryError(code, firstLine || `Dubbo provider answered ${statusName(status)}`, {
    upstream: {
      protocol: 'apache_dubbo',
      status,
      ...(firstLine ? { message: firstLine } : {}),
      ...(detail ? { data: { detail } } : {}),
      ...(endpoint ? { endpoint } : {}),
    },
  });
}

/**
 * Provider side: the status to answer with when the call fails with a Ferry error code (the app or Ferry
 * failed rather than the service method throwing — exceptions travel in status 20 bodies instead).
 */
export function statusForErrorCode(code: ErrorCode): DubboStatusCode {
  switch (code) {
    case 'FERRY_ERR_UPSTREAM_TIMEOUT':
      return DubboStatus.SERVER_TIMEOUT;
    case 'FERRY_ERR_BAD_REQUEST':
    case 'FERRY_ERR_BAD_ARGUMENTS':
    case 'FERRY_ERR_PAYLOAD_TOO_LARGE':
    case 'FERRY_ERR_UPSTREAM_BAD_REQUEST':
      return DubboStatus.BAD_REQUEST;
    case 'FERRY_ERR_UPSTREAM_BAD_RESPONSE':
    case 'FERRY_ERR_UPSTREAM_TOO_LARGE':
    // the app's answer was cut, or is not what the method returns
    case 'FERRY_ERR_UPSTREAM_RESET':
    case 'FERRY_ERR_UPSTREAM_PROTOCOL':
      return DubboStatus.BAD_RESPONSE;
    case 'FERRY_ERR_SERVICE_NOT_FOUND':
    case 'FERRY_ERR_METHOD_NOT_FOUND':
    case 'FERRY_ERR_ROUTE_NOT_FOUND':
    case 'FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND':
      return DubboStatus.SERVICE_NOT_FOUND;
    case 'FERRY_ERR_UPSTREAM_SERVICE_ERROR':
      return DubboStatus.SERVICE_ERROR;
    case 'FERRY_ERR_UPSTREAM_CLIENT_ERROR':
      return DubboStatus.CLIENT_ERROR;
    case 'FERRY_ERR_UPSTREAM_OVERLOADED':
    case 'FERRY_ERR_SHUTTING_DOWN':
    case 'FERRY_ERR_NOT_READY':
    case 'FERRY_ERR_CIRCUIT_OPEN':
    case 'FERRY_ERR_OVERLOADED':
    case 'FERRY_ERR_CONCURRENCY_LIMIT':
      return DubboStatus.SERVER_THREADPOOL_EXHAUSTED_ERROR;
    default:
      return DubboStatus.SERVER_ERROR;
  }
}
