import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { createRoute } from '../../../src/routing/route.js';
import { propagationPolicy } from '../../../src/pipeline/propagation.js';
import { createStaticSource } from '../../../src/discovery/static.js';
import { loadProtocols } from '../../../src/protocols/index.js';
import { FerryError } from '../../../src/errors.js';
import type { Call, Interceptor, RouteInfo } from '../../../src/pipeline/types.js';
import type { ProtocolClient } from '../../../src/protocols/types.js';
import { testCall } from '../../support/call.js';

const protocols = await loadProtocols();
const config = parseConfig(
  'defaults: { loadBalancer: roundrobin, retries: 1 }\nservices:\n' +
    '  svc: { protocol: http, endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"], timeoutMs: 700 }',
  'test',
);

const call = (): Call => testCall({ service: 'svc', incomingHeaders: { authorization: 'Bearer t' } });

function route(client: ProtocolClient, log: string[], cfg = config) {
  const svc = cfg.services.svc!;
  const stage = (name: string) => (info: RouteInfo): Interceptor => (next) => async (c) => {
    log.push(`${name}:${info.service}:${info.protocol}:${info.timeoutMs}:${c.attempt}`);
    return next(c);
  };
  const retried: string[] = [];
  const r = createRoute({
    config: cfg,
    service: svc,
    protocol: protocols.get('http')!,
    client,
    source: createStaticSource(svc.endpoints!),
    propagation: propagationPolicy(cfg),
    stages: { observe: [stage('call')], observeAttempt: [stage('attempt')], onRetry: [() => (error) => retried.push(error.code)] },
  });
  return { r, retried };
}

test('a route composes its chain once: observe sees the call, attempt stages each try, retry moves to the other endpoint', async () => {
  const log: string[] = [];
  const seen: Array<{ endpoint: string; outgoing: Record<string, string> }> = [];
  const client: ProtocolClient = {
    async invoke(c, endpoint) {
      seen.push({ endpoint: endpoint.id, outgoing: c.outgoing });
      if (seen.length === 1) throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
      return { kind: 'value', value: endpoint.id };
    },
    close: async () => {},
  };
  const { r, retried } = route(client, log);
  assert.equal(r.timeoutMs, 700);
  const reply = await r.invoke(call());
  assert.equal(reply.kind, 'value');
  assert.deepEqual(log, ['call:svc:http:700:0', 'attempt:svc:http:700:1', 'attempt:svc:http:700:2']);
  assert.notEqual(seen[0]!.endpoint, seen[1]!.endpoint, 'the second attempt avoids the endpoint that failed');
  assert.equal(seen[1]!.outgoing.authorization, 'Bearer t', 'propagation ran before the attempts');
  assert.deepEqual(retried, ['FERRY_ERR_UPSTREAM_CONNECT']);
});

test('a non-retryable failure is tried once; the client and source close with the route', async () => {
  let closed = 0;
  let tries = 0;
  const client: ProtocolClient = {
    async invoke() {
      tries++;
      throw new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION');
    },
    close: async () => void closed++,
  };
  const { r } = route(client, []);
  await assert.rejects(r.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_EXCEPTION' });
  assert.equal(tries, 1);
  await r.close();
  assert.equal(closed, 1);
});

test('a method with a policy of its own gets its own chain: its breaker opens, the service\'s others keep calling', async () => {
  const own = parseConfig(
    'policies:\n' +
      '  circuitBreakers: { touchy: { consecutiveFailures: 1, openMs: 60000 } }\n' +
      '  retries: { none: { maxRetries: 0 } }\n' +
      '  timeouts: { long: 5000 }\n' +
      'services:\n' +
      '  svc:\n' +
      '    protocol: http\n' +
      '    endpoints: ["http://127.0.0.1:1"]\n' +
      '    timeoutMs: 700\n' +
      '    methods: { flaky: { policy: { circuitBreaker: touchy, retry: none, timeout: long } }, quick: { timeoutMs: 50 } }',
    'test',
  );
  let tries = 0;
  const client: ProtocolClient = {
    async invoke(c) {
      tries++;
      if (c.method === 'flaky') throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
      return { kind: 'value', value: c.method };
    },
    close: async () => {},
  };
  const { r } = route(client, [], own);
  assert.deepEqual([r.timeoutFor('flaky'), r.timeoutFor('quick'), r.timeoutFor('other')], [5000, 50, 700]);
  const named = (method: string) => ({ ...call(), method });
  await assert.rejects(r.invoke(named('flaky')), { code: 'FERRY_ERR_UPSTREAM_CONNECT' });
  await assert.rejects(r.invoke(named('flaky')), { code: 'FERRY_ERR_CIRCUIT_OPEN' }, "the method's breaker opened after one failure");
  assert.equal(tries, 1, 'no retry (its retry policy), nothing sent while open');
  assert.deepEqual(await r.invoke(named('other')), { kind: 'value', value: 'other' }, "the service's breaker is another one");
  assert.equal(r.breakers.isOpen(r.source.current()[0]!.id), false);
  await r.close();
});

test('a refused call is not requeued onto endpoints whose breaker is open: its own failure ends it, no retry spent', async () => {
  const own = parseConfig(
    'services:\n  svc: { protocol: http, endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"], timeoutMs: 700, retries: 0 }',
    'test',
  );
  const tried: string[] = [];
  const client: ProtocolClient = {
    async invoke(_c, endpoint) {
      tried.push(endpoint.id);
      if (endpoint.port === 1) throw new FerryError('FERRY_ERR_UPSTREAM_CONNECT');
      return { kind: 'value', value: endpoint.id };
    },
    close: async () => {},
  };
  const { r, retried } = route(client, [], own);
  const [, second] = r.source.current();
  for (let i = 0; i < r.breakers.policy.consecutiveFailures; i++) r.breakers.failure(second!.id, 0);
  assert.equal(r.breakers.allows(second!.id), false);
  await assert.rejects(r.invoke(call()), { code: 'FERRY_ERR_UPSTREAM_CONNECT' }, "the refusal, not the other endpoint's open breaker");
  assert.equal(tried.length, 1);
  assert.deepEqual(retried, [], 'nothing to requeue onto: no retry counted, no budget spent');
  await r.close();
});
