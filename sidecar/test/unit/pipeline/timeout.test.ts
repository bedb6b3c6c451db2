import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose } from '../../../src/pipeline/compose.js';
import { timeoutInterceptor } from '../../../src/pipeline/timeout.js';
import { FerryError } from '../../../src/errors.js';
import type { Call, Invoke } from '../../../src/pipeline/types.js';

function call(deadlineInMs: number, signal = new AbortController().signal): Call {
  return {
    service: 'svc',
    method: 'm',
    args: [],
    incomingHeaders: {},
    outgoing: {},
    deadline: Date.now() + deadlineInMs,
    signal,
    oneWay: false,
    requestId: 'r',
    attempt: 1,
    endpoint: { id: 'e1', address: 'e1', host: 'h', port: 1, weight: 100, params: {} },
  };
}

const bounded = (send: Invoke) => compose([timeoutInterceptor({ timeoutMs: 50 })], send);

test('no time left: FERRY_ERR_UPSTREAM_TIMEOUT before anything is sent', async () => {
  let sent = false;
  const invoke = bounded(async () => {
    sent = true;
    return { kind: 'accepted' };
  });
  await assert.rejects(invoke(call(-1)), { code: 'FERRY_ERR_UPSTREAM_TIMEOUT' });
  assert.equal(sent, false);
});

test('a late answer: the attempt signal aborts with the timeout error, stamped with the endpoint', async () => {
  let attemptSignal: AbortSignal | undefined;
  const invoke = bounded(
    (c) =>
      new Promise((resolve) => {
        attemptSignal = c.signal;
        setTimeout(() => resolve({ kind: 'value', value: 'late' }), 200);
      }),
  );
  await assert.rejects(invoke(call(30)), (err: FerryError) => {
    assert.equal(err.code, 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.match(err.message, /took longer than 50 ms/);
    assert.equal(err.upstream?.endpoint, 'e1');
    return true;
  });
  assert.equal(attemptSignal?.aborted, true);
  assert.ok(attemptSignal?.reason instanceof FerryError);
});

test('the caller going away aborts the attempt with its reason; an answer in time passes through', async () => {
  const app = new AbortController();
  let attemptSignal: AbortSignal | undefined;
  const invoke = bounded(
    (c) =>
      new Promise((_resolve, reject) => {
        attemptSignal = c.signal;
        c.signal.addEventListener('abort', () => reject(c.signal.reason));
      }),
  );
  const pending = invoke(call(1000, app.signal));
  app.abort(new Error('gone'));
  await assert.rejects(pending, /gone/);
  assert.equal(attemptSignal?.aborted, true);
  assert.deepEqual(await bounded(async () => ({ kind: 'value', value: 1 }))(call(1000)), { kind: 'value', value: 1 });
});
