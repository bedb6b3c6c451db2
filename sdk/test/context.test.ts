import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentHeaders, DEADLINE_KEY, DEFAULT_CAPTURED_HEADERS, headerCapture, runWithHeaders, setTraceHeaders } from '../src/context.js';

test('default capture: Ferry default allow-list plus W3C and B3 trace context, nothing else', () => {
  const capture = headerCapture();
  const before = Date.now();
  const { [DEADLINE_KEY]: deadline, ...got } = capture({
    Authorization: 'Bearer t',
    'x-request-id': 'r',
    'x-tenant-id': 't',
    'x-user-id': 'u',
    'x-user-roles': ['a', 'b'],
    traceparent: 'tp',
    tracestate: 'ts',
    b3: 'b',
    'x-b3-traceid': 'id',
    cookie: 'c',
    'x-ferry-timeout-ms': '5',
    'content-type': 'application/json',
    host: 'h',
    'x-other': undefined,
  });
  assert.deepEqual(got, {
    authorization: 'Bearer t',
    'x-request-id': 'r',
    'x-tenant-id': 't',
    'x-user-id': 'u',
    'x-user-roles': 'a, b',
    traceparent: 'tp',
    tracestate: 'ts',
    b3: 'b',
    'x-b3-traceid': 'id',
  });
  // a calling Ferry's time left becomes this request's deadline (never sent as a header itself)
  assert.ok(Number(deadline) >= before + 5 && Number(deadline) <= Date.now() + 5, String(deadline));
  assert.ok(DEFAULT_CAPTURED_HEADERS.includes('x-user-*'));
  assert.deepEqual(headerCapture({ headers: ['x-org'], extraHeaders: ['x-app-*'] })({ 'x-org': 'o', 'x-app-v': '1', authorization: 'a' }), {
    'x-org': 'o',
    'x-app-v': '1',
  });
});

test('context: scoped to the run, nested runs replace, app trace headers merged on top', async () => {
  assert.deepEqual(currentHeaders(), {});
  await runWithHeaders({ a: '1' }, async () => {
    await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(currentHeaders(), { a: '1' });
    runWithHeaders({ b: '2' }, () => assert.deepEqual(currentHeaders(), { b: '2' }));
    setTraceHeaders(() => ({ traceparent: 'own' }));
    try {
      assert.deepEqual(currentHeaders(), { a: '1', traceparent: 'own' });
      setTraceHeaders(() => {
        throw new Error('tracer down');
      });
      assert.deepEqual(currentHeaders(), { a: '1' });
    } finally {
      setTraceHeaders(undefined);
    }
  });
  assert.deepEqual(currentHeaders(), {});
});
