import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoundRobinBalancer } from '../../../../src/routing/balancers/round-robin.js';
import { callOf, ep, tally } from '../../../support/endpoints.js';

const call = callOf('m', []);

test('equal weights alternate strictly', () => {
  const rr = createRoundRobinBalancer();
  const list = [ep('a'), ep('b'), ep('c')];
  assert.deepEqual(Array.from({ length: 7 }, () => rr.pick(list, call).id), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('smooth weighted order (nginx/Dubbo): 5:1:1 interleaves instead of bursting', () => {
  const rr = createRoundRobinBalancer();
  const list = [ep('a', 5), ep('b', 1), ep('c', 1)];
  assert.deepEqual(Array.from({ length: 14 }, () => rr.pick(list, call).id).join(''), 'aabacaa' + 'aabacaa');
});

test('weights are exact over a whole cycle', () => {
  const rr = createRoundRobinBalancer();
  const list = [ep('a', 300), ep('b', 100), ep('c', 600)];
  assert.deepEqual(tally(1_000, () => rr.pick(list, call)), { a: 300, b: 100, c: 600 });
});

test('a zero weight is never picked while another endpoint has weight', () => {
  const rr = createRoundRobinBalancer();
  assert.deepEqual(tally(100, () => rr.pick([ep('drained', 0), ep('live', 100), ep('broken', -1)], call)), { live: 100 });
});

test('all weights zero: every endpoint takes its turn (not all traffic on the first)', () => {
  const rr = createRoundRobinBalancer();
  const list = [ep('a', 0), ep('b', 0), ep('c', 0)];
  assert.deepEqual(Array.from({ length: 6 }, () => rr.pick(list, call).id), ['a', 'b', 'c', 'a', 'b', 'c']);
});

test('membership changes: a newcomer joins the rotation, a leaver is forgotten, one endpoint always wins', () => {
  const rr = createRoundRobinBalancer();
  const ab = [ep('a'), ep('b')];
  assert.deepEqual([rr.pick(ab, call).id, rr.pick(ab, call).id], ['a', 'b']);
  const abc = [...ab, ep('c')];
  assert.deepEqual(tally(300, () => rr.pick(abc, call)), { a: 100, b: 100, c: 100 });
  const bc = [ep('b'), ep('c')];
  assert.deepEqual(tally(200, () => rr.pick(bc, call)), { b: 100, c: 100 });
  assert.deepEqual(tally(10, () => rr.pick([ep('solo')], call)), { solo: 10 });
});

test('after heavy endpoint churn the live endpoints still alternate', () => {
  const rr = createRoundRobinBalancer();
  for (let generation = 0; generation < 1_000; generation++) {
    const list = [ep(`10.0.0.${generation % 250}:${20880 + generation}`), ep('stable')];
    rr.pick(list, call);
    rr.pick(list, call);
  }
  // behaviour after the churn: the two live endpoints still alternate
  const list = [ep('x'), ep('stable')];
  const picks = tally(10, () => rr.pick(list, call));
  assert.deepEqual(picks, { x: 5, stable: 5 });
});
