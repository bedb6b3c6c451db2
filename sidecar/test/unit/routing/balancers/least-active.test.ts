import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLeastActiveBalancer } from '../../../../src/routing/balancers/least-active.js';
import type { Endpoint } from '../../../../src/discovery/types.js';
import { seededRandom } from '../../../support/seeded-random.js';
import { callOf, ep, tally } from '../../../support/endpoints.js';

const call = callOf('m', []);

test('the endpoint with the fewest calls in flight wins', () => {
  const balancer = createLeastActiveBalancer(seededRandom(1));
  const [a, b, c] = [ep('a'), ep('b'), ep('c')];
  balancer.onStart!(a);
  balancer.onStart!(a);
  balancer.onStart!(b);
  assert.deepEqual(tally(50, () => balancer.pick([a, b, c], call)), { c: 50 });
  balancer.onStart!(c);
  balancer.onStart!(c);
  assert.deepEqual(tally(50, () => balancer.pick([a, b, c], call)), { b: 50 });
  balancer.onEnd!(a);
  balancer.onEnd!(a);
  assert.deepEqual(tally(50, () => balancer.pick([a, b, c], call)), { a: 50 });
});

test('in-flight counts follow the calls: picking, starting and ending spread concurrent calls evenly', () => {
  const balancer = createLeastActiveBalancer(seededRandom(2));
  const list = [ep('a'), ep('b'), ep('c')];
  const held: Endpoint[] = [];
  for (let i = 0; i < 9; i++) {
    const endpoint = balancer.pick(list, call);
    balancer.onStart!(endpoint);
    held.push(endpoint);
  }
  let next = 0;
  assert.deepEqual(tally(held.length, () => held[next++]!), { a: 3, b: 3, c: 3 });
  for (const endpoint of held) balancer.onEnd!(endpoint);
  // all back to zero: ties again, broken at random
  const counts = tally(3_000, () => balancer.pick(list, call));
  for (const id of ['a', 'b', 'c']) assert.ok(counts[id]! > 850 && counts[id]! < 1_150, JSON.stringify(counts));
});

test('ties are broken by weight (seeded), zero weights among the tied are skipped', () => {
  const balancer = createLeastActiveBalancer(seededRandom(3));
  const list = [ep('light', 100), ep('heavy', 300), ep('busy', 1_000), ep('drained', 0)];
  balancer.onStart!(list[2]!);
  const counts = tally(20_000, () => balancer.pick(list, call));
  assert.equal(counts.busy, undefined);
  assert.equal(counts.drained, undefined);
  assert.ok(Math.abs(counts.light! - 5_000) < 400 && Math.abs(counts.heavy! - 15_000) < 400, JSON.stringify(counts));
});

test('an end without a start (or more ends than starts) never goes negative', () => {
  const balancer = createLeastActiveBalancer(seededRandom(4));
  const [a, b] = [ep('a'), ep('b')];
  balancer.onEnd!(a);
  balancer.onEnd!(a);
  balancer.onStart!(a);
  // a has one call in flight, b none: b wins; had a gone to -2 + 1 = -1 it would win instead
  assert.deepEqual(tally(20, () => balancer.pick([a, b], call)), { b: 20 });
});

test('one endpoint, and all weights zero among the tied', () => {
  const balancer = createLeastActiveBalancer(seededRandom(5));
  assert.deepEqual(tally(10, () => balancer.pick([ep('only', 0)], call)), { only: 10 });
  const counts = tally(3_000, () => balancer.pick([ep('a', 0), ep('b', 0)], call));
  assert.ok(counts.a! > 1_350 && counts.b! > 1_350, JSON.stringify(counts));
});
