import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakers, breakerInterceptor } from '../../../src/pipeline/breaker.js';
import { compose } from '../../../src/pipeline/compose.js';
import { FerryError } from '../../../src/errors.js';
import type { Call, Reply } from '../../../src/pipeline/types.js';
import type { Endpoint } from '../../../src/discovery/types.js';
import { testCall } from '../../support/call.js';

const EP: Endpoint = { id: 'x', address: 'x', host: 'x', port: 1, weight: 100, params: {} };
const call = (): Call => testCall({ endpoint: EP });
const OK: Reply = { kind: 'value', value: 1 };

/** An upstream whose calls are settled by the test, in any order. */
function heldUpstream() {
  const held: Array<{ answer(): void; fail(): void }> = [];
  const invoke = compose([], () =>
    new Promise<Reply>((resolve, reject) => {
      held.push({ answer: () => resolve(OK), fail: () => reject(new FerryError('FERRY_ERR_UPSTREAM_RESET')) });
    }),
  );
  return { held, invoke };
}

test('breaker: opens at the threshold, half-opens for halfOpenRequests trials, closes after that many successes', () => {
  const b = new Breakers({ consecutiveFailures: 2, openMs: 1000, halfOpenRequests: 2 });
  b.failure('x', b.begin('x'), 0);
  assert.equal(b.allows('x', 1), true);
  b.failure('x', b.begin('x'), 1);
  assert.equal(b.allows('x', 500), false);
  assert.equal(b.allows('x', 1001), true);
  const [t1, t2] = [b.begin('x'), b.begin('x')];
  assert.equal(b.allows('x', 1002), false, 'two trials in flight');
  b.success('x', t1);
  assert.equal(b.isOpen('x'), true, 'one success of two');
  b.success('x', t2);
  assert.equal(b.isOpen('x'), false);
  b.failure('x', b.begin('x'), 2000);
  b.failure('x', b.begin('x'), 2001);
  b.failure('x', b.begin('x'), 3100);
  assert.equal(b.allows('x', 3200), false, 'a failed trial opens it again for a full period');
  const interval = new Breakers({ consecutiveFailures: 2, intervalMs: 100 });
  interval.failure('y', interval.begin('y'), 0);
  interval.failure('y', interval.begin('y'), 150);
  assert.equal(interval.isOpen('y'), false, 'the count was forgotten after intervalMs');
});

test('breaker: one trial at a time by default', () => {
  const b = new Breakers({ consecutiveFailures: 3, openMs: 1000 });
  for (let i = 0; i < 3; i++) b.failure('x', b.begin('x'), 0);
  assert.equal(b.allows('x', 500), false);
  assert.equal(b.allows('x', 1500), true);
  const trial = b.begin('x');
  assert.equal(b.allows('x', 1600), false, 'only one trial at a time');
  b.success('x', trial);
  assert.equal(b.allows('x', 1700), true);
});

test('breaker: a call sent before the breaker opened that succeeds late does not close it; the probe decides', async () => {
  const breakers = new Breakers({ consecutiveFailures: 2, openMs: 50, halfOpenRequests: 1 });
  const { held, invoke } = heldUpstream();
  const chain = compose([breakerInterceptor(breakers)], (c) => invoke(c));
  const slow = chain(call()); // sent while closed, answered much later
  const failing = [chain(call()), chain(call())];
  held[1]!.fail();
  held[2]!.fail();
  await Promise.allSettled(failing);
  assert.equal(breakers.isOpen('x'), true, 'two failures opened it');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(breakers.allows('x'), true, 'half-open');
  const probe = chain(call());
  held[0]!.answer(); // the old call's late success
  assert.deepEqual(await slow, OK);
  assert.equal(breakers.isOpen('x'), true, "the late answer is not the probe's");
  assert.equal(breakers.allows('x'), false, 'the probe still holds the only trial slot');
  held[3]!.fail();
  await assert.rejects(probe, { code: 'FERRY_ERR_UPSTREAM_RESET' });
  assert.equal(breakers.allows('x'), false, 'the failed probe opened it again');
});

test('breaker: late failures of calls sent before it opened neither extend the open period nor free a trial slot', () => {
  const b = new Breakers({ consecutiveFailures: 1, openMs: 100, halfOpenRequests: 1 });
  const old = b.begin('x');
  const older = b.begin('x');
  b.failure('x', b.begin('x'), 0);
  assert.equal(b.isOpen('x'), true);
  b.failure('x', old, 90);
  assert.equal(b.allows('x', 100), true, 'still half-open at openMs: the late failure did not open it again');
  const probe = b.begin('x');
  b.failure('x', older, 101);
  assert.equal(b.allows('x', 102), false, 'the probe is still in flight');
  b.success('x', probe);
  assert.equal(b.isOpen('x'), false, "the probe's success closed it");
});

test('breaker: a trial of an earlier half-open period does not decide the next one', () => {
  const b = new Breakers({ consecutiveFailures: 1, openMs: 100, halfOpenRequests: 2 });
  b.failure('x', b.begin('x'), 0);
  const [first, second] = [b.begin('x'), b.begin('x')];
  b.failure('x', first, 110); // open again at 110; `second` is still out
  assert.equal(b.allows('x', 209), false);
  assert.equal(b.allows('x', 210), true);
  const [a, c] = [b.begin('x'), b.begin('x')];
  b.success('x', second);
  b.success('x', a);
  assert.equal(b.isOpen('x'), true, 'one of the two trials of this period');
  b.success('x', c);
  assert.equal(b.isOpen('x'), false);
});
