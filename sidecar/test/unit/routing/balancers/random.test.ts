import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandomBalancer, weightedPick } from '../../../../src/routing/balancers/random.js';
import { seededRandom } from '../../../support/seeded-random.js';
import { callOf, ep, tally } from '../../../support/endpoints.js';

const call = callOf('m', []);

test('weightedPick walks the cumulative weights: the random number decides exactly', () => {
  const list = [ep('a', 100), ep('b', 300)];
  // total 400: [0, 100) → a, [100, 400) → b
  assert.equal(weightedPick(list, () => 0).id, 'a');
  assert.equal(weightedPick(list, () => 0.2499).id, 'a');
  assert.equal(weightedPick(list, () => 0.25).id, 'b');
  assert.equal(weightedPick(list, () => 0.9999999).id, 'b');
});

test('equal weights pick uniformly (seeded, within 5% of the share)', () => {
  const list = ['a', 'b', 'c', 'd'].map((id) => ep(id));
  const balancer = createRandomBalancer(seededRandom(7));
  const counts = tally(40_000, () => balancer.pick(list, call));
  for (const id of ['a', 'b', 'c', 'd']) assert.ok(Math.abs(counts[id]! - 10_000) < 500, JSON.stringify(counts));
});

test('weights set the shares (seeded, within 5% of the share)', () => {
  const list = [ep('a', 100), ep('b', 200), ep('c', 700)];
  const balancer = createRandomBalancer(seededRandom(11));
  const counts = tally(50_000, () => balancer.pick(list, call));
  const expected: Record<string, number> = { a: 5_000, b: 10_000, c: 35_000 };
  for (const [id, n] of Object.entries(expected)) assert.ok(Math.abs(counts[id]! - n) < n * 0.05, JSON.stringify(counts));
});

test('a zero (or negative) weight is never picked while another endpoint has weight', () => {
  const list = [ep('drained', 0), ep('live', 100), ep('broken', -5)];
  const balancer = createRandomBalancer(seededRandom(3));
  assert.deepEqual(tally(5_000, () => balancer.pick(list, call)), { live: 5_000 });
  // the edges of the random range too
  for (const r of [0, 0.5, 0.999999]) assert.equal(weightedPick(list, () => r).id, 'live');
});

test('all weights zero: uniform, as Dubbo does', () => {
  const list = [ep('a', 0), ep('b', 0), ep('c', 0)];
  const balancer = createRandomBalancer(seededRandom(5));
  const counts = tally(30_000, () => balancer.pick(list, call));
  for (const id of ['a', 'b', 'c']) assert.ok(Math.abs(counts[id]! - 10_000) < 500, JSON.stringify(counts));
  assert.equal(weightedPick(list, () => 0.999999).id, 'c');
});

test('one endpoint is always the pick', () => {
  const balancer = createRandomBalancer(seededRandom(1));
  assert.deepEqual(tally(100, () => balancer.pick([ep('only', 0)], call)), { only: 100 });
  assert.deepEqual(tally(100, () => balancer.pick([ep('only', 100)], call)), { only: 100 });
});
