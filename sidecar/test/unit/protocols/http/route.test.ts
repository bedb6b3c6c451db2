import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamPath } from '../../../../src/protocols/http/route.js';
import { FerryError } from '../../../../src/errors.js';
import { endToEnd } from '../../../../src/protocols/http/headers.js';

test('the path after the service is kept as sent, query included', () => {
  assert.equal(upstreamPath('/v1/proxy/orders/a/b%20c?x=1&y=2', 'orders'), '/a/b%20c?x=1&y=2');
  assert.equal(upstreamPath('/v1/proxy/orders', 'orders'), '/');
  assert.equal(upstreamPath('/v1/proxy/orders?x=1', 'orders'), '/?x=1');
  assert.equal(upstreamPath('/v1/proxy/orders/', 'orders'), '/');
});

test('dot segments, encoded or not, never leave the service', () => {
  for (const raw of [
    '/v1/proxy/orders/../admin',
    '/v1/proxy/orders/a/%2e%2e/b',
    '/v1/proxy/orders/%2E%2E',
    '/v1/proxy/orders/a/..%2f..%2fetc',
    '/v1/proxy/orders/a%5c..%5cb',
    '/v1/proxy/orders//evil.com/x',
    '/v1/proxy/orders/./x',
  ]) {
    assert.throws(
      () => upstreamPath(raw, 'orders'),
      (err: unknown) => err instanceof FerryError && err.code === 'FERRY_ERR_BAD_REQUEST',
      raw,
    );
  }
});

test('hop-by-hop headers and those named in Connection are dropped', () => {
  const out = endToEnd({
    connection: 'keep-alive, x-secret-hop',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic x',
    'x-secret-hop': '1',
    'x-ferry-timeout-ms': '10',
    host: 'a',
    'content-type': 'text/plain',
    'x-end-to-end': 'yes',
  });
  assert.deepEqual(out, { 'content-type': 'text/plain', 'x-end-to-end': 'yes' });
});
