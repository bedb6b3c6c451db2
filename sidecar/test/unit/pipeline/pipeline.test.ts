import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose } from '../../../src/pipeline/compose.js';
import { retryInterceptor } from '../../../src/pipeline/retry.js';
import { balanceInterceptor } from '../../../src/pipeline/balance.js';
import { Breakers } from '../../../src/pipeline/breaker.js';
import { FerryError } from '../../../src/errors.js';
import { plainRetry } from '../../../src/config/policies.js';
import type { Call, Interceptor } from '../../../src/pipeline/types.js';
import type { Endpoint } from '../../../src/discovery/types.js';
import { createRoundRobinBalancer } from '../../../src/routing/balancers/round-robin.js';
import { createRandomBalancer } from '../../../src/routing/balancers/random.js';
import type { EndpointSource } from '../../../src/discovery/types.js';
import { testCall } from '../../support/call.js';

const ep = (id: string, weight = 100): Endpoint => ({ id, address: id, host: id, port: 1, weight, params: {} });
const sourceOf = (endpoints: Endpoint[]): EndpointSource => ({
  current: () => endpoints,
  ready: async () => {},
  subscribe: () => () => {},
  close: async () => {},
});

/** retry → balance, configured as a route composes them. */
function retryBalance(source: EndpointSource, retries = 2): Interceptor[] {
  return [
    retryInterceptor({ policy: plainRetry(retries) }),
    balanceInterceptor({ source, balancer: createRoundRobinBalancer(), breakers: new Breakers() }),
  ];
}

test('compose runs interceptors outermost first', async () => {
  const order: string[] = [];
  const tag = (name: string): Interceptor => (next) => async (call) => {
    order.push(`>${name}`);
    const r = await next(call);
    order.push(`<${name}`);
    return r;
  };
  const invoke = compose([tag('a'), tag('b')], async () => ({ kind: 'value', value: 1 }));
  await invoke(testCall());
  assert.deepEqual(order, ['>a', '>b', '<b', '<a']);
});

test('retry moves a retryable failure to another endpoint and stops at non-retryable ones', async () => {
  const source = sourceOf([ep('a'), ep('b')]);
  const seen: string[] = [];
  const invoke = compose(retryBalance(source), async (call) => {
    seen.push(call.endpoint!.id);
    if (call.endpoint!.id === 'a') throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
    return { kind: 'value', value: call.endpoint!.id };
  });
  for (let i = 0; i < 4; i++) assert.deepEqual(await invoke(testCall()), { kind: 'value', value: 'b' });
  assert.ok(seen.filter((s) => s === 'a').length >= 1);

  let calls = 0;
  const failing = compose(retryBalance(source), async () => {
    calls++;
    throw new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION');
  });
  await assert.rejects(failing(testCall()), { code: 'FERRY_ERR_UPSTREAM_EXCEPTION' });
  assert.equal(calls, 1, 'a business exception is not retried');
});

test('no endpoint → FERRY_ERR_NO_ENDPOINT', async () => {
  const invoke = compose(retryBalance(sourceOf([]), 0), async () => ({ kind: 'value', value: 1 }));
  await assert.rejects(invoke(testCall()), { code: 'FERRY_ERR_NO_ENDPOINT' });
});

test('round-robin alternates and honours weights; random honours weights', () => {
  const rr = createRoundRobinBalancer();
  const list = [ep('a'), ep('b')];
  const picks = Array.from({ length: 4 }, () => rr.pick(list, {} as Call).id);
  assert.deepEqual(picks, ['a', 'b', 'a', 'b']);
  const weighted = [ep('a', 300), ep('b', 100)];
  const counts = { a: 0, b: 0 } as Record<string, number>;
  for (let i = 0; i < 400; i++) counts[rr.pick(weighted, {} as Call).id]!++;
  assert.deepEqual(counts, { a: 300, b: 100 });
  let seed = 0;
  const random = createRandomBalancer(() => (seed = (seed + 0.37) % 1));
  const rc = { a: 0, b: 0 } as Record<string, number>;
  for (let i = 0; i < 1000; i++) rc[random.pick(weighted, {} as Call).id]!++;
  assert.ok(rc.a! > 650 && rc.a! < 850, JSON.stringify(rc));
});
