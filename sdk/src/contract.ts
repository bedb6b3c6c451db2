/**
 * The HTTP contract between an app and its Ferry sidecar: route paths, header names and error codes.
 * The sidecar imports this module; nothing here imports the sidecar.
 */

export const DEFAULT_PORT = 4140;
export const DEFAULT_ADMIN_PORT = 4141;

/** Route paths of the local API (fastify syntax). */
export const ROUTES = {
  /** POST a JSON body (the arguments) to call `method` on a configured service of any protocol. */
  invoke: '/v1/invoke/:service/:method',
  /** Any method: raw HTTP pass-through to a configured `protocol: http` service, bodies streamed both ways. */
  proxy: '/v1/proxy/:service/*',
  /** POST an array of calls: one JSON-RPC batch upstream for a `protocol: jsonrpc` service. */
  batch: '/v1/batch/:service',
  /** POST `{interface, version?, group?, method, parameterTypes, args, attachments?}`: a Dubbo call to a service not in config. */
  dubbo: '/v1/dubbo/invoke',
  healthz: '/healthz',
  readyz: '/readyz',
  /** Admin port only. */
  metrics: '/metrics',
  /** Admin port only: the console's JSON API (`/admin/v1/graph`, `/admin/v1/services`…). */
  admin: '/admin/v1',
  /** Admin port only: the console's pages. */
  console: '/console/',
} as const;

/** Builds the invoke path for a service and method. */
export function invokePath(service: string, method: string): string {
  return `/v1/invoke/${encodeURIComponent(service)}/${encodeURIComponent(method)}`;
}

/** Builds the pass-through path prefix for a service. */
export function proxyPath(service: string, path = '/'): string {
  return `/v1/proxy/${encodeURIComponent(service)}${path.startsWith('/') ? path : `/${path}`}`;
}

export function batchPath(service: string): string {
  return `/v1/batch/${encodeURIComponent(service)}`;
}

/** Header names Ferry reads or writes on the app side. All lower case. */
export const HEADERS = {
  /** On every response Ferry made itself (rather than passed through): the Ferry error code. */
  error: 'x-ferry-error',
  /** Request correlation id: taken from the app when present, generated otherwise, echoed back. */
  requestId: 'x-request-id',
  /** Per-call timeout override in milliseconds (never above the service's configured timeout). */
  timeout: 'x-ferry-timeout-ms',
  /** `true` for a fire-and-forget call (JSON-RPC notification, Dubbo one-way): answered 202 at once. */
  oneWay: 'x-ferry-oneway',
  /** On inbound calls to the app: which Ferry service / interface and method the call came in for. */
  inboundService: 'x-ferry-service',
  inboundMethod: 'x-ferry-method',
  /** The local API token (`FERRY_API_TOKEN`), when the sidecar is started with one. */
  apiToken: 'ferry-api-token',
  /** Prefix for upstream attachments/metadata the app asks to send explicitly (beyond the propagated ones). */
  attachmentPrefix: 'x-ferry-attach-',
} as const;

/** Ferry's default propagation allow-list (`propagation.headers`): exact names and `prefix*` patterns. */
export const DEFAULT_PROPAGATED_HEADERS: readonly string[] = Object.freeze(['authorization', 'x-request-id', 'x-tenant-id', 'x-user-*']);

/** W3C trace context and B3 (single and multi) header names. */
export const TRACE_CONTEXT_HEADERS = [
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
] as const;

export type HeaderMatcher = (name: string) => boolean;

/** Matches lower-case header names against an allow-list of exact names and `prefix*` patterns. */
export function headerMatcher(patterns: readonly string[]): HeaderMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (lower.endsWith('*')) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  if (prefixes.length === 0) return (name) => exact.has(name);
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

/** Content type of streamed replies (gRPC server streaming): one JSON value per line. */
export const NDJSON = 'application/x-ndjson';

export interface ErrorSpec {
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly message: string;
}

/**
 * Every error code Ferry answers with. `retryable` says whether Ferry's own retry may try another endpoint:
 * only failures where the upstream certainly did not run the call (or says it did not) are retryable.
 * Upstream errors keep their details in the body's `upstream` field.
 */
export const ERRORS = {
  // --- the app's request
  FERRY_ERR_ROUTE_NOT_FOUND: { statusCode: 404, retryable: false, message: 'No such route on the local API' },
  FERRY_ERR_SERVICE_NOT_FOUND: { statusCode: 404, retryable: false, message: 'Unknown service' },
  FERRY_ERR_METHOD_NOT_FOUND: { statusCode: 404, retryable: false, message: 'Unknown method' },
  FERRY_ERR_BAD_REQUEST: { statusCode: 400, retryable: false, message: 'Bad request' },
  FERRY_ERR_BAD_ARGUMENTS: { statusCode: 400, retryable: false, message: 'Arguments do not fit the declared types' },
  FERRY_ERR_WRONG_PROTOCOL: { statusCode: 400, retryable: false, message: 'The service does not speak what this route needs' },
  FERRY_ERR_PAYLOAD_TOO_LARGE: { statusCode: 413, retryable: false, message: 'Request body too large' },
  FERRY_ERR_HEADERS_TOO_LARGE: { statusCode: 431, retryable: false, message: 'Request headers too large' },
  /** A token is required (the admin token on the admin API) and the request had none or a wrong one. */
  FERRY_ERR_UNAUTHORIZED: { statusCode: 401, retryable: false, message: 'Missing or wrong token' },
  /** An ad-hoc call to a registry or endpoint the config does not open to ad-hoc calls (`adhoc`); nothing was dialled. */
  FERRY_ERR_TARGET_NOT_ALLOWED: { statusCode: 403, retryable: false, message: 'The target is not open to ad-hoc calls' },
  /** The app's request body did not arrive within the call's timeout; the upstream is not to blame (HTTP's 408). */
  FERRY_ERR_REQUEST_TIMEOUT: { statusCode: 408, retryable: false, message: 'The request body did not arrive in time' },
  /** The app went away before the answer came; the upstream is not to blame (nginx's 499). */
  FERRY_ERR_CANCELLED: { statusCode: 499, retryable: false, message: 'The app cancelled the call' },
  FERRY_ERR_SHUTTING_DOWN: { statusCode: 503, retryable: true, message: 'Ferry is shutting down' },
  FERRY_ERR_NOT_READY: { statusCode: 503, retryable: true, message: 'Ferry is not ready' },
  /** Ferry refused the call at once, its event loop lagging (load shedding): nothing was sent upstream. */
  FERRY_ERR_OVERLOADED: { statusCode: 503, retryable: true, message: 'Ferry is overloaded' },
  /** The service's `maxConcurrentCalls` are in flight already (its bulkhead): nothing was sent upstream. */
  FERRY_ERR_CONCURRENCY_LIMIT: { statusCode: 503, retryable: true, message: 'Too many calls in flight to the service' },
  // --- getting to an upstream
  FERRY_ERR_NO_ENDPOINT: { statusCode: 503, retryable: true, message: 'No endpoint available for the service' },
  FERRY_ERR_CIRCUIT_OPEN: { statusCode: 503, retryable: true, message: 'Circuit breaker open for every endpoint' },
  FERRY_ERR_UPSTREAM_CONNECT: { statusCode: 502, retryable: true, message: 'Could not connect to the upstream' },
  FERRY_ERR_UPSTREAM_RESET: { statusCode: 502, retryable: false, message: 'Upstream connection lost during the call' },
  FERRY_ERR_UPSTREAM_TIMEOUT: { statusCode: 504, retryable: false, message: 'Upstream did not answer in time' },
  FERRY_ERR_UPSTREAM_PROTOCOL: { statusCode: 502, retryable: false, message: 'Upstream answer is not valid for its protocol' },
  FERRY_ERR_UPSTREAM_TOO_LARGE: { statusCode: 502, retryable: false, message: 'Upstream answer exceeds the size limit' },
  // --- the upstream answered with an error
  FERRY_ERR_UPSTREAM_EXCEPTION: { statusCode: 502, retryable: false, message: 'Upstream raised an exception' },
  FERRY_ERR_UPSTREAM_BAD_REQUEST: { statusCode: 502, retryable: false, message: 'Upstream rejected the request as malformed' },
  FERRY_ERR_UPSTREAM_BAD_RESPONSE: { statusCode: 502, retryable: false, message: 'Upstream could not encode its response' },
  FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND: { statusCode: 502, retryable: true, message: 'Upstream does not export the service' },
  FERRY_ERR_UPSTREAM_SERVICE_ERROR: { statusCode: 502, retryable: false, message: 'Upstream service error' },
  FERRY_ERR_UPSTREAM_SERVER_ERROR: { statusCode: 502, retryable: false, message: 'Upstream server error' },
  FERRY_ERR_UPSTREAM_CLIENT_ERROR: { statusCode: 502, retryable: false, message: 'Upstream reported a client error' },
  FERRY_ERR_UPSTREAM_OVERLOADED: { statusCode: 503, retryable: true, message: 'Upstream is overloaded' },
  // --- JSON-RPC 2.0 error objects
  FERRY_ERR_JSONRPC_PARSE_ERROR: { statusCode: 502, retryable: false, message: 'JSON-RPC parse error' },
  FERRY_ERR_JSONRPC_INVALID_REQUEST: { statusCode: 502, retryable: false, message: 'JSON-RPC invalid request' },
  FERRY_ERR_JSONRPC_METHOD_NOT_FOUND: { statusCode: 404, retryable: false, message: 'JSON-RPC method not found' },
  FERRY_ERR_JSONRPC_INVALID_PARAMS: { statusCode: 400, retryable: false, message: 'JSON-RPC invalid params' },
  FERRY_ERR_JSONRPC_INTERNAL_ERROR: { statusCode: 502, retryable: false, message: 'JSON-RPC internal error' },
  FERRY_ERR_JSONRPC_SERVER_ERROR: { statusCode: 502, retryable: false, message: 'JSON-RPC server error' },
  FERRY_ERR_JSONRPC_APPLICATION_ERROR: { statusCode: 502, retryable: false, message: 'JSON-RPC application error' },
  // --- gRPC status codes (Google's HTTP mapping)
  FERRY_ERR_GRPC_CANCELLED: { statusCode: 499, retryable: false, message: 'gRPC call cancelled' },
  FERRY_ERR_GRPC_UNKNOWN: { statusCode: 500, retryable: false, message: 'gRPC unknown error' },
  FERRY_ERR_GRPC_INVALID_ARGUMENT: { statusCode: 400, retryable: false, message: 'gRPC invalid argument' },
  FERRY_ERR_GRPC_NOT_FOUND: { statusCode: 404, retryable: false, message: 'gRPC not found' },
  FERRY_ERR_GRPC_ALREADY_EXISTS: { statusCode: 409, retryable: false, message: 'gRPC already exists' },
  FERRY_ERR_GRPC_PERMISSION_DENIED: { statusCode: 403, retryable: false, message: 'gRPC permission denied' },
  FERRY_ERR_GRPC_RESOURCE_EXHAUSTED: { statusCode: 429, retryable: false, message: 'gRPC resource exhausted' },
  FERRY_ERR_GRPC_FAILED_PRECONDITION: { statusCode: 400, retryable: false, message: 'gRPC failed precondition' },
  FERRY_ERR_GRPC_ABORTED: { statusCode: 409, retryable: false, message: 'gRPC aborted' },
  FERRY_ERR_GRPC_OUT_OF_RANGE: { statusCode: 400, retryable: false, message: 'gRPC out of range' },
  FERRY_ERR_GRPC_UNIMPLEMENTED: { statusCode: 501, retryable: false, message: 'gRPC unimplemented' },
  FERRY_ERR_GRPC_INTERNAL: { statusCode: 500, retryable: false, message: 'gRPC internal error' },
  FERRY_ERR_GRPC_UNAVAILABLE: { statusCode: 503, retryable: true, message: 'gRPC unavailable' },
  FERRY_ERR_GRPC_DATA_LOSS: { statusCode: 500, retryable: false, message: 'gRPC data loss' },
  FERRY_ERR_GRPC_UNAUTHENTICATED: { statusCode: 401, retryable: false, message: 'gRPC unauthenticated' },
  // --- raised by the SDK itself
  /** An HTTP upstream answered an invoke with a non-2xx status; the SDK error's `statusCode` is the upstream's. */
  FERRY_ERR_UPSTREAM_HTTP_STATUS: { statusCode: 502, retryable: false, message: 'HTTP upstream answered with an error status' },
  FERRY_ERR_SIDECAR_UNREACHABLE: { statusCode: 503, retryable: true, message: 'The Ferry sidecar cannot be reached' },
  // --- Ferry itself
  FERRY_ERR_INTERNAL: { statusCode: 500, retryable: false, message: 'Internal Ferry error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** One item of a `POST /v1/batch/{service}` body. */
export interface BatchCall {
  method: string;
  params?: unknown[] | Record<string, unknown>;
  /** A JSON-RPC notification: no answer expected for this item. */
  notification?: boolean;
}

/** One item of a batch answer, in request order. */
export type BatchItem<T = unknown> = { result: T } | { error: ErrorBody } | { notified: true };

/** What the upstream said, when an error came from it. */
export interface UpstreamDetail {
  /** `apache_dubbo`, `jsonrpc`, `grpc` or `http`. */
  protocol?: string;
  /** Dubbo response status, gRPC status code, JSON-RPC error code or HTTP status. */
  status?: number | string;
  /** Remote exception class (Dubbo/Java). */
  exceptionClass?: string;
  message?: string;
  /** JSON-RPC `data`, gRPC status details, or the exception's serialized fields. */
  data?: unknown;
  endpoint?: string;
}

/** The JSON body of every error Ferry answers with. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  upstream?: UpstreamDetail;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}
