import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { plainRetry, resolvePolicy, type RetryPolicy } from '../../../src/config/policies.js';
import { compose } from '../../../src/pipeline/compose.js';
import { backoffMs, MAX_REQUEUES, retryInterceptor } from '../../../src/pipeline/retry.js';
import { balanceInterceptor } from '../../../src/pipeline/balance.js';
import { createRoundRobinBalancer } from '../../../src/routing/balancers/round-robin.js';
import { PassThrough } from 'node:stream';
import { RetryBudget } from '../../../src/pipeline/retry-budget.js';
import { Breakers } from '../../../src/pipeline/breaker.js';
import { Outliers } from '../../../src/pipeline/outlier.js';
import { bulkheadInterceptor } from '../../../src/pipeline/bulkhead.js';
import { LoadShedder, shedInterceptor } from '../../../src/pipeline/shed.js';
import { protectEmpty } from '../../../src/routing/empty-protection.js';
import { FerryError } from '../../../src/errors.js';
import { settles } from '../../support/helpers.js';
import { testCall } from '../../support/call.js';
import type { Call, Reply } from '../../../src/pipeline/types.js';
import type { Endpoint, EndpointListener, EndpointSource } from '../../../src/discovery/types.js';

const POLICIES = `
defaults: { timeoutMs: 3000, retries: 2, policy: { circuitBreaker: lenient } }
policies:
  timeouts: { fast: 300, slow: 9000 }
  retries:
    standard: { maxRetries: 3, initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, jitter: 0.5 }
    safe: { maxRetries: 1, retryOn: idempotent, backoff: constant, initialIntervalMs: 10 }
  circuitBreakers:
    lenient: { consecutiveFailures: 20, openMs: 5000, halfOpenRequests: 3 }
    strict: { consecutiveFailures: 2 }
services:
  plain: { protocol: http, endpoints: ["http://127.0.0.1:1"], timeoutMs: 700, retries: 1 }
  named:
    protocol: http
    endpoints: ["http://127.0.0.1:1"]
    policy: { timeout: fast, retry: standard }
    methods:
      report: { policy: { timeout: slow, retry: safe, circuitBreaker: strict } }
      quick: { timeoutMs: 100 }
`;

test('policies: a method beats its service, a service beats defaults.policy, defaults.* fill the rest', () => {
  const config = parseConfig(POLICIES, 'test');
  const plain = resolvePolicy(config, config.services.plain!);
  assert.equal(plain.timeoutMs, 700);
  assert.equal(plain.retry.maxRetries, 1);
  assert.equal(plain.retry.initialIntervalMs, 0, 'the plain retries field retries at once, as before policies');
  assert.equal(plain.circuitBreaker.consecutiveFailures, 20, 'defaults.policy.circuitBreaker');
  const named = config.services.named!;
  const service = resolvePolicy(config, named);
  assert.equal(service.timeoutMs, 300);
  assert.equal(service.retry.maxRetries, 3);
  assert.deepEqual(service.names, { timeout: 'fast', retry: 'standard', circuitBreaker: 'lenient' });
  const report = resolvePolicy(config, named, named.methods!.report);
  assert.equal(report.timeoutMs, 9000);
  assert.equal(report.retry.retryOn, 'idempotent');
  assert.equal(report.circuitBreaker.consecutiveFailures, 2);
  assert.equal(resolvePolicy(config, named, named.methods!.quick).timeoutMs, 100);
  const bare = parseConfig('services: { s: { protocol: http, endpoints: ["http://h:1"] } }', 'test');
  const dflt = resolvePolicy(bare, bare.services.s!);
  const { timeoutMs, retry, circuitBreaker } = dflt;
  assert.deepEqual([timeoutMs, retry.maxRetries, circuitBreaker.consecutiveFailures, circuitBreaker.openMs], [3000, 2, 5, 10000]);
});

test('policies: unknown names and a policy next to the plain field are refused, with the path', () => {
  assert.throws(
    () => parseConfig('services: { s: { protocol: http, endpoints: ["http://h:1"], policy: { retry: nope } } }', 'test'),
    /services\.s\.policy\.retry: no policy named "nope" in policies\.retries \(known: none\)/,
  );
  assert.throws(
    () =>
      parseConfig(
        'policies: { timeouts: { t: 5 } }\n' +
          'services: { s: { protocol: http, endpoints: ["http://h:1"], timeoutMs: 9, policy: { timeout: t } } }',
        'test',
      ),
    /services\.s\.timeoutMs: give either timeoutMs or policy\.timeout, not both/,
  );
  assert.throws(() => parseConfig('policies: { retries: { r: { jitter: 2 } } }', 'test'), /policies\.retries\.r\.jitter: must be <= 1/);
});

const retryPolicy = (over: Partial<RetryPolicy>): RetryPolicy => ({
  maxRetries: 2, backoff: 'exponential', initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, jitter: 0, retryOn: 'unsent', ...over,
});

test('backoff: exponential with its cap, jitter within ±jitter, constant', () => {
  const p = retryPolicy({});
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(p, n)), [100, 200, 400, 800, 1000]);
  const j = retryPolicy({ jitter: 0.5 });
  assert.equal(backoffMs(j, 1, () => 0), 50);
  assert.equal(backoffMs(j, 1, () => 0.999999), 150);
  assert.equal(backoffMs(retryPolicy({ backoff: 'constant' }), 4), 100);
});

const call = (deadlineIn = 5000): Call => testCall({ deadline: Date.now() + deadlineIn });

test('retry: waits its backoff, and never retries past the deadline', async () => {
  let tries = 0;
  const times: number[] = [];
  const fail = async () => {
    tries++;
    times.push(Date.now());
    throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
  };
  const invoke = compose([retryInterceptor({ policy: retryPolicy({ initialIntervalMs: 60, maxRetries: 5 }) })], fail);
  await assert.rejects(invoke(call(5000)), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  assert.equal(tries, 6);
  assert.ok(times[1]! - times[0]! >= 55, 'the first retry waited its backoff');
  tries = 0;
  // 60 + 120 + 240 = 420 ms of backoff do not fit a 250 ms deadline: the third retry is not made
  await assert.rejects(compose([retryInterceptor({ policy: retryPolicy({ initialIntervalMs: 60, maxRetries: 5 }) })], fail)(call(250)), {
    code: 'FERRY_ERR_UPSTREAM_CONNECT',
  });
  assert.ok(tries <= 3, `${tries} attempts within 250 ms`);
});

test('retry: unsent failures only by default; idempotent policies also retry resets and gateway answers', async () => {
  const answers: Array<Reply | FerryError> = [];
  const send = async (): Promise<Reply> => {
    const next = answers.shift()!;
    if (next instanceof FerryError) throw next;
    return next;
  };
  const unsent = compose([retryInterceptor({ policy: retryPolicy({ initialIntervalMs: 0 }) })], send);
  answers.push(new FerryError('FERRY_ERR_UPSTREAM_RESET'), { kind: 'value', value: 1 });
  await assert.rejects(unsent(call()), { code: 'FERRY_ERR_UPSTREAM_RESET' });
  answers.length = 0;
  const idem = compose([retryInterceptor({ policy: retryPolicy({ initialIntervalMs: 0, retryOn: 'idempotent' }) })], send);
  const unavailable: Reply = { kind: 'http', statusCode: 503, headers: {}, body: Buffer.from('x') };
  answers.push(new FerryError('FERRY_ERR_UPSTREAM_RESET'), unavailable, { kind: 'value', value: 2 });
  assert.deepEqual(await idem(call()), { kind: 'value', value: 2 });
  answers.push({ kind: 'http', statusCode: 500, headers: {}, body: Buffer.from('x') });
  assert.equal(((await idem(call())) as { statusCode: number }).statusCode, 500, 'a 500 is an answer, not a gateway error');
  answers.length = 0;
  answers.push(new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION'));
  await assert.rejects(idem(call()), { code: 'FERRY_ERR_UPSTREAM_EXCEPTION' }, 'a business exception is never retried');
});

const endpoint = (id: string): Endpoint => ({ id, address: id, host: id, port: 1, weight: 100, params: {} });
const listOf = (endpoints: Endpoint[]): EndpointSource => ({
  current: () => endpoints,
  ready: async () => {},
  subscribe: () => () => {},
  close: async () => {},
});

/** retry → balance over `ids` as a route composes them; `refusing` endpoints fail with `code` before sending. */
function refusals(ids: string[], refusing: Set<string>, options: { policy?: RetryPolicy; budget?: RetryBudget; code?: string } = {}) {
  const source = listOf(ids.map(endpoint));
  const tried: string[] = [];
  let retries = 0;
  const invoke = compose(
    [
      retryInterceptor({
        policy: options.policy ?? plainRetry(0),
        untried: (failed, refused) => source.current().some((e) => e.id !== refused && !failed?.has(e.id)),
        onRetry: () => retries++,
        ...(options.budget ? { budget: options.budget } : {}),
      }),
      balanceInterceptor({ source, balancer: createRoundRobinBalancer(), breakers: new Breakers() }),
    ],
    async (c) => {
      const id = c.endpoint!.id;
      tried.push(id);
      if (refusing.has(id)) throw new FerryError((options.code ?? 'FERRY_ERR_UPSTREAM_CONNECT') as 'FERRY_ERR_UPSTREAM_CONNECT');
      return { kind: 'value', value: id };
    },
  );
  return { invoke, tried, retries: () => retries };
}

test('requeue: a call refused before it was sent goes to another endpoint at once, even with retries: 0', async () => {
  const r = refusals(['a', 'b'], new Set(['b']));
  for (let i = 0; i < 6; i++) assert.deepEqual(await r.invoke(call()), { kind: 'value', value: 'a' });
  assert.ok(r.tried.includes('b'), 'the refusing endpoint was picked');
  assert.equal(r.retries(), r.tried.filter((id) => id === 'b').length, 'each requeue is counted as a retry');

  // the only endpoint refusing: nowhere else to go, one attempt
  const sole = refusals(['a'], new Set(['a']));
  await assert.rejects(sole.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  assert.deepEqual(sole.tried, ['a']);

  // every endpoint refusing: each tried once, at most 1 + MAX_REQUEUES attempts
  const all = refusals(['a', 'b', 'c', 'd', 'e'], new Set(['a', 'b', 'c', 'd', 'e']));
  await assert.rejects(all.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  assert.equal(all.tried.length, 1 + MAX_REQUEUES);
  assert.equal(new Set(all.tried).size, all.tried.length, 'never the same endpoint twice');
});

test('requeue: only unsent failures, never a streamed body, within the budget; the policy keeps its own retries', async () => {
  // a connection lost mid-call may have run the call: not requeued
  const reset = refusals(['a', 'b'], new Set(['a', 'b']), { code: 'FERRY_ERR_UPSTREAM_RESET' });
  await assert.rejects(reset.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_RESET' });
  assert.equal(reset.tried.length, 1);

  const streamed = refusals(['a', 'b'], new Set(['a', 'b']));
  const body = new PassThrough();
  await assert.rejects(streamed.invoke({ ...call(), http: { method: 'POST', path: '/', headers: {}, body } }), {
    code: 'FERRY_ERR_UPSTREAM_CONNECT',
  });
  assert.equal(streamed.tried.length, 1, 'a streamed body cannot be sent again');

  const budget = new RetryBudget({ ratio: 0, minPerSecond: 0, windowMs: 1000 });
  const spent = refusals(['a', 'b'], new Set(['a']), { budget });
  await assert.rejects(spent.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  assert.deepEqual(spent.tried, ['a'], 'a spent budget refuses requeues too');

  // one policy retry, three endpoints: a refuses (requeued, the retry is kept), b refuses too (requeued), c answers
  const kept = refusals(['a', 'b', 'c'], new Set(['a', 'b']), { policy: retryPolicy({ maxRetries: 1, initialIntervalMs: 0 }) });
  assert.deepEqual(await kept.invoke(call()), { kind: 'value', value: 'c' });
  assert.deepEqual(kept.tried, ['a', 'b', 'c']);
  // requeues spent (MAX_REQUEUES = 2): the policy's retry takes the fourth endpoint
  const four = refusals(['a', 'b', 'c', 'd'], new Set(['a', 'b', 'c']), { policy: retryPolicy({ maxRetries: 1, initialIntervalMs: 0 }) });
  assert.deepEqual(await four.invoke(call()), { kind: 'value', value: 'd' });
  assert.deepEqual(four.tried, ['a', 'b', 'c', 'd']);
});

test('retry budget: 20% of the calls plus the floor, per window; then the last failure ends the call', async () => {
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 });
  for (let i = 0; i < 100; i++) b.deposit(0);
  let granted = 0;
  while (b.withdraw(0)) granted++;
  assert.equal(granted, 30, '100 × 0.2 + 1/s × 10 s');
  assert.equal(b.withdraw(5000), false, 'still the same window');
  assert.equal(b.withdraw(10_001), true, 'the window moved on: the floor is back');
  let exhausted = 0;
  let tries = 0;
  const budget = new RetryBudget({ ratio: 0, minPerSecond: 0, windowMs: 1000 });
  const invoke = compose(
    [retryInterceptor({ policy: retryPolicy({ initialIntervalMs: 0 }), budget, onBudgetExhausted: () => exhausted++ })],
    async () => {
      tries++;
      throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
    },
  );
  await assert.rejects(invoke(call()), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  assert.deepEqual([tries, exhausted], [1, 1]);
});

test('outliers: ejected for a growing time, never more than the maximum share', () => {
  const ejected: Array<[string, number]> = [];
  const onEject = (id: string, ms: number) => ejected.push([id, ms]);
  const o = new Outliers({ consecutiveFailures: 2, baseEjectionMs: 100, maxEjectionMs: 250, maxEjectedPercent: 50, onEject });
  o.failure('a', 4, 0);
  o.failure('a', 4, 0);
  assert.equal(o.allows('a', 50), false);
  o.failure('b', 4, 0);
  o.failure('b', 4, 0);
  o.failure('c', 4, 0);
  o.failure('c', 4, 0);
  assert.equal(o.ejected, 2, 'half of 4: c stays in');
  assert.equal(o.allows('c', 50), true);
  assert.equal(o.allows('a', 101), true, 'back after 100 ms');
  o.failure('a', 4, 200);
  o.failure('a', 4, 200);
  assert.equal(o.allows('a', 350), false, 'second ejection: 200 ms');
  assert.equal(o.allows('a', 401), true);
  o.failure('a', 4, 500);
  o.failure('a', 4, 500);
  assert.deepEqual(ejected.map(([id, ms]) => `${id}:${ms}`), ['a:100', 'b:100', 'a:200', 'a:250'], 'capped at maxEjectionMs');
  const single = new Outliers({ consecutiveFailures: 1, baseEjectionMs: 100, maxEjectionMs: 100, maxEjectedPercent: 50 });
  single.failure('only', 1, 0);
  assert.equal(single.allows('only', 1), true, 'the only endpoint is never ejected');
});

test('bulkhead: calls over the limit get a fast 503 FERRY_ERR_CONCURRENCY_LIMIT; slots free up', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let rejected = 0;
  const invoke = compose([bulkheadInterceptor({ maxConcurrentCalls: 2, onReject: () => rejected++ })], async () => {
    await gate;
    return { kind: 'value', value: 1 } as const;
  });
  const held = [invoke(call()), invoke(call())];
  const limited = (err: FerryError) => err.code === 'FERRY_ERR_CONCURRENCY_LIMIT' && err.statusCode === 503 && err.retryable;
  await assert.rejects(invoke(call()), limited);
  release();
  await Promise.all(held);
  assert.deepEqual(await invoke(call()), { kind: 'value', value: 1 });
  assert.equal(rejected, 1);
});

test('load shedding: a stalled event loop refuses calls with 503 FERRY_ERR_OVERLOADED, then recovers', async () => {
  // a threshold well above what a loaded test machine shows by itself
  const shedder = new LoadShedder({ maxEventLoopDelayMs: 200, sampleMs: 20, random: () => 0.5 });
  try {
    const invoke = compose([shedInterceptor(shedder)], async () => ({ kind: 'value', value: 1 }) as const);
    const until = Date.now() + 800;
    while (Date.now() < until) {
      // the event loop is blocked, as by a long synchronous task
    }
    await assert.rejects(invoke(call()), (err: FerryError) => err.code === 'FERRY_ERR_OVERLOADED' && err.statusCode === 503);
    await settles(async () => assert.deepEqual(await invoke(call()), { kind: 'value', value: 1 }), 10_000);
  } finally {
    shedder.close();
  }
});

function source(initial: Endpoint[]): EndpointSource & { push(list: Endpoint[]): void } {
  let list = initial;
  const listeners = new Set<EndpointListener>();
  return {
    current: () => list,
    ready: async () => {},
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => {},
    push(next) {
      list = next;
      for (const l of listeners) l(next);
    },
  };
}

const ep = (id: string): Endpoint => ({ id, address: id, host: '127.0.0.1', port: 1, weight: 100, params: {} });

test('empty-list protection: the last list serves for keepMs after the registry reports none, then the empty list', async () => {
  const raw = source([]);
  const protectedSource = protectEmpty(raw, 150);
  const seen: number[] = [];
  protectedSource.subscribe((l) => seen.push(l.length));
  raw.push([]);
  assert.equal(protectedSource.current().length, 0, 'never had providers: nothing to keep');
  raw.push([ep('a'), ep('b')]);
  raw.push([]);
  assert.equal(protectedSource.current().length, 2, 'kept');
  raw.push([ep('c')]);
  assert.deepEqual(protectedSource.current().map((e) => e.id), ['c'], 'a real list is taken at once');
  raw.push([]);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(protectedSource.current().length, 0, 'believed after keepMs');
  assert.deepEqual(seen, [0, 2, 1, 0]);
  await protectedSource.close();
});
