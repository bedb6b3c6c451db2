import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConsistentHashBalancer, hashKey } from '../../../../src/routing/balancers/consistent-hash.js';
import type { Endpoint } from '../../../../src/discovery/types.js';
import { callOf, ep } from '../../../support/endpoints.js';

const firstArgument = () => [0];
const KEYS = Array.from({ length: 5_000 }, (_, i) => `user-${i}`);

function owners(endpoints: readonly Endpoint[], keys = KEYS): Map<string, string> {
  const balancer = createConsistentHashBalancer(firstArgument);
  return new Map(keys.map((k) => [k, balancer.pick(endpoints, callOf('get', [k])).id]));
}

const five = ['10.0.0.1:20880', '10.0.0.2:20880', '10.0.0.3:20880', '10.0.0.4:20880', '10.0.0.5:20880'].map((id) => ep(id));

test('hash key: the chosen argument positions as JSON; a bare (non-array) argument is position 0', () => {
  assert.equal(hashKey(callOf('m', ['a', 2, { x: 1 }]), [0]), '"a"');
  assert.equal(hashKey(callOf('m', ['a', 2, { x: 1 }]), [2, 1]), '{"x":1},2');
  assert.equal(hashKey(callOf('m', { id: 7 }), [0]), '{"id":7}');
  assert.equal(hashKey(callOf('m', []), [0, 3]), 'null,null');
  assert.equal(hashKey(callOf('m', undefined), [0]), 'null');
});

test('the same key always goes to the same endpoint; other arguments do not matter', () => {
  const balancer = createConsistentHashBalancer(firstArgument);
  const first = balancer.pick(five, callOf('get', ['user-42', 'a'])).id;
  for (let i = 0; i < 50; i++) assert.equal(balancer.pick(five, callOf('get', ['user-42', `other-${i}`])).id, first);
  // a fresh balancer (another Ferry) agrees: the ring depends on the endpoint ids only
  assert.equal(createConsistentHashBalancer(firstArgument).pick(five, callOf('get', ['user-42'])).id, first);
  // so does another order of the same endpoints
  assert.equal(balancer.pick([...five].reverse(), callOf('get', ['user-42'])).id, first);
});

test('keys spread over the endpoints within bounds (160 virtual nodes each)', () => {
  const counts = new Map<string, number>();
  for (const id of owners(five).values()) counts.set(id, (counts.get(id) ?? 0) + 1);
  assert.equal(counts.size, 5);
  for (const [id, n] of counts) assert.ok(n > KEYS.length * 0.12 && n < KEYS.length * 0.28, `${id}: ${n} of ${KEYS.length}`);
});

test('an endpoint leaving moves only its own keys, each to a survivor', () => {
  const before = owners(five);
  const gone = five[2]!.id;
  const after = owners(five.filter((e) => e.id !== gone));
  let moved = 0;
  for (const [key, owner] of before) {
    if (owner === gone) {
      moved++;
      assert.notEqual(after.get(key), gone);
    } else assert.equal(after.get(key), owner, `${key} moved from ${owner} though ${gone} left`);
  }
  assert.ok(moved > 0);
});

test('an endpoint joining takes keys only for itself, about its share', () => {
  const before = owners(five);
  const newcomer = ep('10.0.0.6:20880');
  const after = owners([...five, newcomer]);
  let taken = 0;
  for (const [key, owner] of before) {
    const now = after.get(key)!;
    if (now !== owner) {
      assert.equal(now, newcomer.id, `${key} moved from ${owner} to ${now}`);
      taken++;
    }
  }
  assert.ok(taken > KEYS.length * 0.08 && taken < KEYS.length * 0.28, `${taken} of ${KEYS.length} keys moved to the newcomer`);
});

test('one balancer follows membership changes back and forth (the ring is rebuilt when the set changes)', () => {
  const balancer = createConsistentHashBalancer(firstArgument);
  const four = five.slice(0, 4);
  const pickAll = (endpoints: readonly Endpoint[]) => KEYS.slice(0, 500).map((k) => balancer.pick(endpoints, callOf('get', [k])).id);
  const withFive = pickAll(five);
  const withFour = pickAll(four);
  assert.ok(withFour.every((id) => id !== five[4]!.id));
  assert.deepEqual(pickAll(five), withFive);
});

test('hash arguments are chosen per method', () => {
  const balancer = createConsistentHashBalancer((method) => (method === 'byTenant' ? [1] : [0]));
  const tenantOwner = balancer.pick(five, callOf('byTenant', ['u-1', 'tenant-9'])).id;
  for (let i = 0; i < 50; i++) assert.equal(balancer.pick(five, callOf('byTenant', [`u-${i}`, 'tenant-9'])).id, tenantOwner);
  const spread = new Set(KEYS.slice(0, 200).map((k) => balancer.pick(five, callOf('byUser', [k, 'tenant-9'])).id));
  assert.equal(spread.size, 5);
});

test('one endpoint takes every key; weights do not matter (as in Dubbo)', () => {
  const balancer = createConsistentHashBalancer(firstArgument);
  for (const k of KEYS.slice(0, 100)) assert.equal(balancer.pick([ep('solo', 0)], callOf('get', [k])).id, 'solo');
  assert.deepEqual(owners([ep('a', 1), ep('b', 1000)]), owners([ep('a', 100), ep('b', 100)]));
});
