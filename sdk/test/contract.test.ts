import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, HEADERS, ROUTES, invokePath, proxyPath } from '../src/contract.js';

// The error table is part of the contract apps code against: changing a row is a breaking change.
// Update this snapshot only on purpose.
const LOCKED: Record<string, [number, boolean]> = {
  FERRY_ERR_ROUTE_NOT_FOUND: [404, false],
  FERRY_ERR_SERVICE_NOT_FOUND: [404, false],
  FERRY_ERR_METHOD_NOT_FOUND: [404, false],
  FERRY_ERR_BAD_REQUEST: [400, false],
  FERRY_ERR_BAD_ARGUMENTS: [400, false],
  FERRY_ERR_WRONG_PROTOCOL: [400, false],
  FERRY_ERR_PAYLOAD_TOO_LARGE: [413, false],
  FERRY_ERR_HEADERS_TOO_LARGE: [431, false],
  FERRY_ERR_UNAUTHORIZED: [401, false],
  FERRY_ERR_TARGET_NOT_ALLOWED: [403, false],
  FERRY_ERR_REQUEST_TIMEOUT: [408, false],
  FERRY_ERR_CANCELLED: [499, false],
  FERRY_ERR_SHUTTING_DOWN: [503, true],
  FERRY_ERR_NOT_READY: [503, true],
  FERRY_ERR_OVERLOADED: [503, true],
  FERRY_ERR_CONCURRENCY_LIMIT: [503, true],
  FERRY_ERR_NO_ENDPOINT: [503, true],
  FERRY_ERR_CIRCUIT_OPEN: [503, true],
  FERRY_ERR_UPSTREAM_CONNECT: [502, true],
  FERRY_ERR_UPSTREAM_RESET: [502, false],
  FERRY_ERR_UPSTREAM_TIMEOUT: [504, false],
  FERRY_ERR_UPSTREAM_PROTOCOL: [502, false],
  FERRY_ERR_UPSTREAM_TOO_LARGE: [502, false],
  FERRY_ERR_UPSTREAM_EXCEPTION: [502, false],
  FERRY_ERR_UPSTREAM_BAD_REQUEST: [502, false],
  FERRY_ERR_UPSTREAM_BAD_RESPONSE: [502, false],
  FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND: [502, true],
  FERRY_ERR_UPSTREAM_SERVICE_ERROR: [502, false],
  FERRY_ERR_UPSTREAM_SERVER_ERROR: [502, false],
  FERRY_ERR_UPSTREAM_CLIENT_ERROR: [502, false],
  FERRY_ERR_UPSTREAM_OVERLOADED: [503, true],
  FERRY_ERR_JSONRPC_PARSE_ERROR: [502, false],
  FERRY_ERR_JSONRPC_INVALID_REQUEST: [502, false],
  FERRY_ERR_JSONRPC_METHOD_NOT_FOUND: [404, false],
  FERRY_ERR_JSONRPC_INVALID_PARAMS: [400, false],
  FERRY_ERR_JSONRPC_INTERNAL_ERROR: [502, false],
  FERRY_ERR_JSONRPC_SERVER_ERROR: [502, false],
  FERRY_ERR_JSONRPC_APPLICATION_ERROR: [502, false],
  FERRY_ERR_GRPC_CANCELLED: [499, false],
  FERRY_ERR_GRPC_UNKNOWN: [500, false],
  FERRY_ERR_GRPC_INVALID_ARGUMENT: [400, false],
  FERRY_ERR_GRPC_NOT_FOUND: [404, false],
  FERRY_ERR_GRPC_ALREADY_EXISTS: [409, false],
  FERRY_ERR_GRPC_PERMISSION_DENIED: [403, false],
  FERRY_ERR_GRPC_RESOURCE_EXHAUSTED: [429, false],
  FERRY_ERR_GRPC_FAILED_PRECONDITION: [400, false],
  FERRY_ERR_GRPC_ABORTED: [409, false],
  FERRY_ERR_GRPC_OUT_OF_RANGE: [400, false],
  FERRY_ERR_GRPC_UNIMPLEMENTED: [501, false],
  FERRY_ERR_GRPC_INTERNAL: [500, false],
  FERRY_ERR_GRPC_UNAVAILABLE: [503, true],
  FERRY_ERR_GRPC_DATA_LOSS: [500, false],
  FERRY_ERR_GRPC_UNAUTHENTICATED: [401, false],
  FERRY_ERR_UPSTREAM_HTTP_STATUS: [502, false],
  FERRY_ERR_SIDECAR_UNREACHABLE: [503, true],
  FERRY_ERR_INTERNAL: [500, false],
};

test('the error table is locked: same codes, statuses and retryable flags', () => {
  const actual = Object.fromEntries(Object.entries(ERRORS).map(([code, spec]) => [code, [spec.statusCode, spec.retryable]]));
  assert.deepEqual(actual, LOCKED);
  assert.equal(Object.keys(ERRORS).length, 56);
});

test('every error code follows FERRY_ERR_<AREA>_<WHAT> and has a message', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(code, /^FERRY_ERR_[A-Z0-9_]+$/);
    assert.ok(spec.message.length > 0, code);
    assert.ok(spec.statusCode >= 400 && spec.statusCode < 600, code);
  }
});

test('route and header names', () => {
  assert.equal(ROUTES.invoke, '/v1/invoke/:service/:method');
  assert.equal(HEADERS.error, 'x-ferry-error');
  assert.equal(invokePath('orders', 'get by id'), '/v1/invoke/orders/get%20by%20id');
  assert.equal(proxyPath('orders', 'a/b?x=1'), '/v1/proxy/orders/a/b?x=1');
});
