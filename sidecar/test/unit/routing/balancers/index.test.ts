import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer } from '../../../../src/routing/balancers/index.js';
import type { ServiceConfig } from '../../../../src/config/schema.js';
import { callOf, ep } from '../../../support/endpoints.js';

const service = { name: 'svc', protocol: 'dubbo', methods: { byTenant: { hashArguments: [1] } } } as unknown as ServiceConfig;

test('every configured balancer name builds a balancer', () => {
  const list = [ep('a'), ep('b')];
  for (const name of ['random', 'roundrobin', 'leastactive', 'consistenthash'] as const) {
    const picked = createBalancer(name, service).pick(list, callOf('m', ['k']));
    assert.ok(list.includes(picked), name);
  }
});

test('consistent hashing reads hashArguments of the method from the service config (default: the first argument)', () => {
  const balancer = createBalancer('consistenthash', service);
  const list = ['a', 'b', 'c', 'd'].map((id) => ep(id));
  const owner = balancer.pick(list, callOf('byTenant', ['x', 'tenant-1'])).id;
  for (let i = 0; i < 30; i++) assert.equal(balancer.pick(list, callOf('byTenant', [`x${i}`, 'tenant-1'])).id, owner);
  const firstOwner = balancer.pick(list, callOf('other', ['k', 'a'])).id;
  for (let i = 0; i < 30; i++) assert.equal(balancer.pick(list, callOf('other', ['k', `a${i}`])).id, firstOwner);
});

test('an unknown name is refused', () => {
  assert.throws(() => createBalancer('fastest' as never, service), /load balancer "fastest" is not available/);
});
