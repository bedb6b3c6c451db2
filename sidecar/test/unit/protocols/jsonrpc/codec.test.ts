import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FerryError } from '../../../../src/errors.js';
import {
  batchAnswers,
  buildRequest,
  checkBatchItem,
  checkResponse,
  errorCodeFor,
  httpStatusError,
  mapError,
  nextId,
  parseAnswer,
  requestText,
  resultOf,
  toParams,
} from '../../../../src/protocols/jsonrpc/codec.js';

const ENDPOINT = 'http://127.0.0.1:9/rpc';

/** Asserts `fn` throws a FerryError with `code` (and a message matching `message`). */
function throwsFerry(fn: () => unknown, code: string, message?: RegExp): FerryError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof FerryError, `expected a FerryError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

test('requests: jsonrpc 2.0, params only when given, no id for a notification', () => {
  assert.deepEqual(buildRequest('sum', [1, 2], 7), { jsonrpc: '2.0', method: 'sum', params: [1, 2], id: 7 });
  assert.deepEqual(buildRequest('sum', { a: 1 }, 8), { jsonrpc: '2.0', method: 'sum', params: { a: 1 }, id: 8 });
  assert.deepEqual(buildRequest('ping', undefined, 9), { jsonrpc: '2.0', method: 'ping', id: 9 });
  const notification = buildRequest('log', ['x'], undefined);
  assert.deepEqual(notification, { jsonrpc: '2.0', method: 'log', params: ['x'] });
  assert.equal('id' in notification, false);
  assert.equal(JSON.stringify(buildRequest('ping', undefined, undefined)), '{"jsonrpc":"2.0","method":"ping"}');
});

test('params: an array is positional, an object named, nothing or null omitted, a scalar refused', () => {
  assert.deepEqual(toParams([1, 'a']), [1, 'a']);
  assert.deepEqual(toParams([]), []);
  assert.deepEqual(toParams({ a: 1 }), { a: 1 });
  assert.equal(toParams(undefined), undefined);
  assert.equal(toParams(null), undefined);
  for (const scalar of [1, 'x', true, 0, ''])
    throwsFerry(() => toParams(scalar), 'FERRY_ERR_BAD_ARGUMENTS', /array \(positional\) or an object \(named\)/);
});

test('request text: the app\'s params text spliced in as it came, else the serialized Request', () => {
  for (const params of [[1, 'ü', { a: null }], { b: [true] }, [], undefined]) {
    for (const id of [7, undefined]) {
      const expected = JSON.stringify(buildRequest('a"b\u2028', params, id));
      assert.equal(requestText('a"b\u2028', params, undefined, id), expected);
      if (params) assert.equal(requestText('a"b\u2028', params, JSON.stringify(params), id), expected);
    }
  }
  const digits = '[1000000000000000000000.0]';
  assert.equal(requestText('m', [1e21], digits, 3), `{"jsonrpc":"2.0","method":"m","params":${digits},"id":3}`);
  // no params (a null body): the text is not used
  assert.equal(requestText('m', undefined, 'null', 3), '{"jsonrpc":"2.0","method":"m","id":3}');
});

test('ids: positive integers, unique, increasing, never null', () => {
  const ids = Array.from({ length: 1_000 }, () => nextId());
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1);
  assert.ok(ids.every((id) => Number.isSafeInteger(id) && id > 0));
});

test('batch items: method, params and notification are checked; the index names the culprit', () => {
  assert.deepEqual(checkBatchItem({ method: 'a' }, 0), { method: 'a' });
  assert.deepEqual(checkBatchItem({ method: 'a', params: [1], notification: true }, 0), { method: 'a', params: [1], notification: true });
  assert.deepEqual(checkBatchItem({ method: 'a', params: null, notification: false }, 0), { method: 'a' });
  throwsFerry(() => checkBatchItem([], 3), 'FERRY_ERR_BAD_REQUEST', /^batch item 3 is not an object/);
  throwsFerry(() => checkBatchItem(null, 3), 'FERRY_ERR_BAD_REQUEST', /not an object/);
  throwsFerry(() => checkBatchItem('sum', 0), 'FERRY_ERR_BAD_REQUEST', /not an object/);
  throwsFerry(() => checkBatchItem({ method: 'a', id: 1 }, 1), 'FERRY_ERR_BAD_REQUEST', /unknown member "id"/);
  throwsFerry(() => checkBatchItem({}, 2), 'FERRY_ERR_BAD_REQUEST', /batch item 2 needs a "method" string/);
  throwsFerry(() => checkBatchItem({ method: '' }, 2), 'FERRY_ERR_BAD_REQUEST', /needs a "method"/);
  throwsFerry(() => checkBatchItem({ method: 5 }, 2), 'FERRY_ERR_BAD_REQUEST', /needs a "method"/);
  throwsFerry(
    () => checkBatchItem({ method: 'a', notification: 'yes' }, 4),
    'FERRY_ERR_BAD_REQUEST',
    /"notification" must be true or false/,
  );
  throwsFerry(() => checkBatchItem({ method: 'a', params: 5 }, 5), 'FERRY_ERR_BAD_ARGUMENTS', /^batch item 5: JSON-RPC params must be/);
});

test('answers that are not JSON are upstream protocol errors carrying (a bounded part of) the text', () => {
  const err = throwsFerry(
    () => parseAnswer('<html>oops</html>', ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /invalid JSON-RPC answer: not JSON/,
  );
  assert.equal(err.upstream?.protocol, 'jsonrpc');
  assert.equal(err.upstream?.endpoint, ENDPOINT);
  assert.equal(err.upstream?.data, '<html>oops</html>');
  const long = throwsFerry(() => parseAnswer('x'.repeat(5_000), ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL');
  assert.equal((long.upstream?.data as string).length, 201);
  throwsFerry(() => parseAnswer('', ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL');
  throwsFerry(() => parseAnswer('{"jsonrpc":"2.0",', ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL');
  assert.deepEqual(parseAnswer('{"jsonrpc":"2.0","id":1,"result":[1]}', ENDPOINT), { jsonrpc: '2.0', id: 1, result: [1] });
});

test('a Response is checked strictly against the spec', () => {
  assert.deepEqual(checkResponse({ jsonrpc: '2.0', id: 1, result: null }, ENDPOINT), { id: 1, result: null });
  assert.deepEqual(checkResponse({ jsonrpc: '2.0', id: 'a', result: 0 }, ENDPOINT), { id: 'a', result: 0 });
  assert.deepEqual(checkResponse({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, ENDPOINT), {
    id: null,
    error: { code: -32700, message: 'Parse error' },
  });
  assert.deepEqual(checkResponse({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'm', data: { why: 'x' } } }, ENDPOINT).error, {
    code: 1,
    message: 'm',
    data: { why: 'x' },
  });
  const bad: Array<[unknown, RegExp]> = [
    [[], /expected a Response object/],
    ['ok', /expected a Response object/],
    [null, /expected a Response object/],
    [{ id: 1, result: 1 }, /"jsonrpc" must be "2.0" \(got undefined\)/],
    [{ jsonrpc: '1.0', id: 1, result: 1 }, /"jsonrpc" must be "2.0" \(got "1.0"\)/],
    [{ jsonrpc: 2, id: 1, result: 1 }, /"jsonrpc" must be "2.0"/],
    [{ jsonrpc: '2.0', result: 1 }, /has no "id"/],
    [{ jsonrpc: '2.0', id: { n: 1 }, result: 1 }, /"id" must be a string, a number or null/],
    [{ jsonrpc: '2.0', id: true, result: 1 }, /"id" must be/],
    [{ jsonrpc: '2.0', id: 1 }, /exactly one of "result" and "error"/],
    [{ jsonrpc: '2.0', id: 1, result: 1, error: { code: 1, message: 'm' } }, /exactly one of/],
    [{ jsonrpc: '2.0', id: 1, error: 'boom' }, /"error" must be an object \(got "boom"\)/],
    [{ jsonrpc: '2.0', id: 1, error: null }, /"error" must be an object/],
    [{ jsonrpc: '2.0', id: 1, error: { message: 'm' } }, /"error.code" must be an integer/],
    [{ jsonrpc: '2.0', id: 1, error: { code: '-32600', message: 'm' } }, /"error.code" must be an integer/],
    [{ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } }, /"error.code" must be an integer/],
    [{ jsonrpc: '2.0', id: 1, error: { code: 1 } }, /"error.message" must be a string/],
  ];
  for (const [value, message] of bad) {
    const err = throwsFerry(() => checkResponse(value, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', message);
    assert.equal(err.upstream?.endpoint, ENDPOINT);
  }
});

test('a huge invalid value is described in at most 200 characters', () => {
  const err = throwsFerry(
    () => checkResponse({ jsonrpc: '2.0', id: 1, error: 'e'.repeat(10_000) }, ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
  );
  assert.ok(err.message.length < 300, `${err.message.length} characters`);
});

test('error codes of the spec map to their Ferry codes; the rest of the reserved range is a server error', () => {
  const cases: Array<[number, string]> = [
    [-32700, 'FERRY_ERR_JSONRPC_PARSE_ERROR'],
    [-32600, 'FERRY_ERR_JSONRPC_INVALID_REQUEST'],
    [-32601, 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND'],
    [-32602, 'FERRY_ERR_JSONRPC_INVALID_PARAMS'],
    [-32603, 'FERRY_ERR_JSONRPC_INTERNAL_ERROR'],
    [-32000, 'FERRY_ERR_JSONRPC_SERVER_ERROR'],
    [-32099, 'FERRY_ERR_JSONRPC_SERVER_ERROR'],
    [-32768, 'FERRY_ERR_JSONRPC_SERVER_ERROR'],
    [-32769, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR'],
    [-31999, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR'],
    [0, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR'],
    [42, 'FERRY_ERR_JSONRPC_APPLICATION_ERROR'],
  ];
  for (const [code, ferry] of cases) assert.equal(errorCodeFor(code), ferry, String(code));
});

test('an error object becomes a FerryError that keeps the upstream code, message and data', () => {
  const err = mapError({ code: -32602, message: 'bad a', data: { field: 'a' } }, ENDPOINT);
  assert.equal(err.code, 'FERRY_ERR_JSONRPC_INVALID_PARAMS');
  assert.equal(err.statusCode, 400);
  assert.equal(err.message, 'JSON-RPC error -32602: bad a');
  assert.deepEqual(err.upstream, { protocol: 'jsonrpc', status: -32602, message: 'bad a', data: { field: 'a' }, endpoint: ENDPOINT });
  assert.equal('data' in mapError({ code: 7, message: 'm' }, ENDPOINT).upstream!, false);
  // data that is explicitly null is kept: the upstream said so
  assert.equal(mapError({ code: 7, message: 'm', data: null }, ENDPOINT).upstream!.data, null);
});

test('single calls: the result of our id; an error object thrown; a wrong id, a batch or garbage is a protocol error', () => {
  assert.deepEqual(resultOf({ jsonrpc: '2.0', id: 5, result: { ok: true } }, 5, ENDPOINT), { ok: true });
  assert.equal(resultOf({ jsonrpc: '2.0', id: 5, result: null }, 5, ENDPOINT), null);
  throwsFerry(
    () => resultOf({ jsonrpc: '2.0', id: 5, error: { code: -32601, message: 'no' } }, 5, ENDPOINT),
    'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND',
  );
  // the server could not read our id: a null id on an error still answers us
  throwsFerry(
    () => resultOf({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 5, ENDPOINT),
    'FERRY_ERR_JSONRPC_PARSE_ERROR',
  );
  throwsFerry(() => resultOf({ jsonrpc: '2.0', id: 6, result: 1 }, 5, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /answers id 6, not 5/);
  throwsFerry(() => resultOf({ jsonrpc: '2.0', id: '5', result: 1 }, 5, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /answers id "5", not 5/);
  throwsFerry(() => resultOf({ jsonrpc: '2.0', id: null, result: 1 }, 5, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /answers id null/);
  throwsFerry(
    () => resultOf({ jsonrpc: '2.0', id: 6, error: { code: 1, message: 'm' } }, 5, ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /the error answers id 6/,
  );
  throwsFerry(
    () => resultOf([{ jsonrpc: '2.0', id: 5, result: 1 }], 5, ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /a batch \(array\) answered a single call/,
  );
  throwsFerry(() => resultOf('5', 5, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL');
});

test('batches: answers matched by id in request order, whatever order the server used', () => {
  const answers = batchAnswers(
    [
      { jsonrpc: '2.0', id: 12, error: { code: -32601, message: 'no such method' } },
      { jsonrpc: '2.0', id: 10, result: 'first' },
    ],
    [10, undefined, 12],
    ENDPOINT,
  );
  assert.deepEqual(answers[0], { result: 'first' });
  assert.deepEqual(answers[1], { notified: true });
  const error = (answers[2] as { error: { code: string; upstream?: { status?: number } } }).error;
  assert.equal(error.code, 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND');
  assert.equal(error.upstream?.status, -32601);
});

test('batches of notifications only: no answer is right, but not when a call awaits one', () => {
  assert.deepEqual(batchAnswers(undefined, [undefined, undefined], ENDPOINT), [{ notified: true }, { notified: true }]);
  throwsFerry(
    () => batchAnswers(undefined, [1, undefined], ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /an empty answer to a batch of 1 call/,
  );
});

test('batches: items the server left unanswered get an error of their own; nameless errors go to them', () => {
  const missing = batchAnswers([{ jsonrpc: '2.0', id: 1, result: 1 }], [1, 2], ENDPOINT);
  assert.deepEqual(missing[0], { result: 1 });
  assert.equal((missing[1] as { error: { code: string } }).error.code, 'FERRY_ERR_UPSTREAM_PROTOCOL');
  assert.match((missing[1] as { error: { message: string } }).error.message, /no Response for this call/);
  const nameless = batchAnswers(
    [
      { jsonrpc: '2.0', id: 1, result: 1 },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } },
    ],
    [1, 2],
    ENDPOINT,
  );
  assert.equal((nameless[1] as { error: { code: string } }).error.code, 'FERRY_ERR_JSONRPC_INVALID_REQUEST');
  // an empty array (which servers must not send) leaves every call unanswered
  const empty = batchAnswers([], [1, 2], ENDPOINT);
  assert.ok(empty.every((a) => 'error' in a && a.error.code === 'FERRY_ERR_UPSTREAM_PROTOCOL'));
});

test('batches: a whole-batch refusal (one error with a null id) fails the batch with its code', () => {
  throwsFerry(
    () => batchAnswers({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, [1, 2], ENDPOINT),
    'FERRY_ERR_JSONRPC_PARSE_ERROR',
  );
  throwsFerry(
    () => batchAnswers({ jsonrpc: '2.0', id: 1, result: 1 }, [1, 2], ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /a single Response answered a batch/,
  );
  throwsFerry(
    () => batchAnswers({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'm' } }, [1, 2], ENDPOINT),
    'FERRY_ERR_UPSTREAM_PROTOCOL',
    /a single Response/,
  );
});

test('batches: answers for ids not asked, twice the same id, a null-id result or a malformed element are protocol errors', () => {
  const ids = [1, 2];
  const ok = (id: unknown) => ({ jsonrpc: '2.0', id, result: 0 });
  throwsFerry(() => batchAnswers([ok(1), ok(3)], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /id 3, which was not asked/);
  throwsFerry(() => batchAnswers([ok(1), ok('2')], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /id "2", which was not asked/);
  throwsFerry(() => batchAnswers([ok(1), ok(1)], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /two Responses for id 1/);
  throwsFerry(() => batchAnswers([ok(1), ok(null)], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /a result with a null id/);
  throwsFerry(() => batchAnswers([ok(1), { id: 2, result: 0 }], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /"jsonrpc" must be "2.0"/);
  throwsFerry(() => batchAnswers([ok(1), 'x'], ids, ENDPOINT), 'FERRY_ERR_UPSTREAM_PROTOCOL', /expected a Response object/);
});

test('non-2xx HTTP answers without a JSON-RPC body say what the status means', () => {
  const cases: Array<[number, string]> = [
    [503, 'FERRY_ERR_UPSTREAM_OVERLOADED'],
    [429, 'FERRY_ERR_UPSTREAM_OVERLOADED'],
    [400, 'FERRY_ERR_UPSTREAM_BAD_REQUEST'],
    [404, 'FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND'],
    [500, 'FERRY_ERR_UPSTREAM_PROTOCOL'],
    [302, 'FERRY_ERR_UPSTREAM_PROTOCOL'],
  ];
  for (const [status, code] of cases) {
    const err = httpStatusError(status, ENDPOINT, 'down for maintenance');
    assert.equal(err.code, code, String(status));
    assert.deepEqual(err.upstream, { protocol: 'jsonrpc', status, endpoint: ENDPOINT, data: 'down for maintenance' });
  }
  assert.equal('data' in httpStatusError(500, ENDPOINT, '').upstream!, false);
  assert.equal((httpStatusError(500, ENDPOINT, 'y'.repeat(1_000)).upstream!.data as string).length, 201);
});
