import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics, METHOD_OTHER, MAX_METHODS_PER_SERVICE } from '../../../src/observability/metrics.js';
import {
  methodAccepted,
  methodLabeller,
  metricsAttemptWatcher,
  metricsWatcher,
  retryCounter,
} from '../../../src/pipeline/observe.js';
import { compose } from '../../../src/pipeline/compose.js';
import { watchStage } from '../../../src/pipeline/watch.js';
import { FerryError } from '../../../src/errors.js';
import type { Call, Reply, RouteInfo } from '../../../src/pipeline/types.js';
import type { ServiceConfig } from '../../../src/config/schema.js';
import { loadProtocols } from '../../../src/protocols/index.js';
import { testCall } from '../../support/call.js';

let probe: (() => Promise<void>) | undefined;

const protocols = await loadProtocols();

function route(protocol: string, methods?: Record<string, unknown>): RouteInfo {
  const config = {
    name: 'svc',
    protocol,
    interface: 'a.Svc',
    service: 'a.Svc',
    ...(methods ? { methods } : {}),
  } as unknown as ServiceConfig;
  return { service: 'svc', protocol, timeoutMs: 1000, config, telemetry: protocols.get(protocol)!.telemetry(config as never) };
}

const call = (method: string, extra: Partial<Call> = {}): Call => testCall({ service: 'svc', method, attempt: 1, ...extra });

/** The protocol client at the end of the chain. */
async function upstream(): Promise<Reply> {
  await probe?.();
  return { kind: 'value', value: 1 };
}

test('method labels are bounded: HTTP method for pass-through, declared names, accepted RPC names up to a cap', () => {
  const http = methodLabeller(route('http'));
  assert.equal(http(call('GET', { http: { method: 'GET', path: '/users/123', headers: {} } }), true), 'GET');
  assert.equal(http(call('BREW', { http: { method: 'BREW', path: '/', headers: {} } }), true), '_OTHER');
  assert.equal(http(call('users%2F123'), true), METHOD_OTHER, 'undeclared HTTP invoke');
  assert.equal(methodLabeller(route('http', { getUser: {} }))(call('getUser'), true), 'getUser', 'declared');
  assert.equal(methodLabeller(route('dubbo'))(call('nope'), false), METHOD_OTHER, 'not accepted');
  const label = methodLabeller(route('jsonrpc'));
  for (let i = 0; i < MAX_METHODS_PER_SERVICE; i++) assert.equal(label(call(`m${i}`), true), `m${i}`);
  assert.equal(label(call('one-too-many'), true), METHOD_OTHER);
  assert.equal(label(call('m1'), true), 'm1');
  assert.equal(methodAccepted(route('dubbo'), 'FERRY_ERR_UPSTREAM_CONNECT'), false);
  assert.equal(methodAccepted(route('dubbo'), 'FERRY_ERR_UPSTREAM_EXCEPTION'), true);
  assert.equal(methodAccepted(route('grpc'), 'FERRY_ERR_GRPC_UNIMPLEMENTED'), false);
  assert.equal(methodAccepted(route('grpc'), 'FERRY_ERR_GRPC_NOT_FOUND'), true);
});

test('metrics interceptor counts calls, attempts and in-flight with bounded labels, and never fails a call', async () => {
  const m = createMetrics(new Registry());
  let inFlightSeen = -1;
  probe = async () => {
    inFlightSeen = (await m.upstreamInFlight.get()).values.find((v) => v.labels.service === 'svc')?.value ?? -1;
  };
  const dubbo = route('dubbo');
  const invoke = compose([watchStage([metricsWatcher(m)])(dubbo), watchStage([metricsAttemptWatcher(m)])(dubbo)], async (c) => {
    const reply = await upstream();
    if (c.method === 'fail') throw new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT');
    return reply;
  });
  await invoke(call('ok'));
  await assert.rejects(invoke(call('fail')), { code: 'FERRY_ERR_UPSTREAM_TIMEOUT' });
  assert.equal(inFlightSeen, 1);
  const text = (await m.scrape()).body;
  assert.match(text, /ferry_requests_total\{protocol="dubbo",service="svc",method="ok",code="OK"\} 1/);
  assert.match(text, /ferry_requests_total\{protocol="dubbo",service="svc",method="_other",code="FERRY_ERR_UPSTREAM_TIMEOUT"\} 1/);
  assert.match(text, /ferry_request_duration_seconds_count\{protocol="dubbo",service="svc",method="ok",code="OK"\} 1/);
  assert.match(text, /ferry_upstream_in_flight\{protocol="dubbo",service="svc"\} 0/);
  assert.match(text, /ferry_upstream_attempts_total\{protocol="dubbo",service="svc",code="OK"\} 1/);
  assert.match(text, /ferry_upstream_attempts_total\{protocol="dubbo",service="svc",code="FERRY_ERR_UPSTREAM_TIMEOUT"\} 1/);
  retryCounter(m)(dubbo)(new FerryError('FERRY_ERR_UPSTREAM_CONNECT'));
  assert.match((await m.scrape()).body, /ferry_retries_total\{protocol="dubbo",service="svc",code="FERRY_ERR_UPSTREAM_CONNECT"\} 1/);

  // A broken registry must not break the call.
  const broken = createMetrics(new Registry());
  broken.recordCall = () => {
    throw new Error('boom');
  };
  broken.startAttempt = () => {
    throw new Error('boom');
  };
  const grpc = route('grpc');
  const ok = compose([watchStage([metricsWatcher(broken)])(grpc), watchStage([metricsAttemptWatcher(broken)])(grpc)], async () => {
    await upstream();
    return { kind: 'value', value: 7 };
  });
  assert.deepEqual(await ok(call('m')), { kind: 'value', value: 7 });
});

test('ZooKeeper state set, providers, decode errors, default process metrics', async () => {
  const m = createMetrics(new Registry());
  m.setZookeeperState('main', 'connected');
  m.setZookeeperState('main', 'expired');
  m.setProviderCount('users', 3);
  m.decodeErrors.inc({ protocol: 'dubbo' });
  m.upstreamConnections.inc({ protocol: 'dubbo', endpoint: '127.0.0.1:20880' });
  m.enableDefaultMetrics();
  m.enableDefaultMetrics();
  const text = (await m.scrape()).body;
  assert.match(text, /ferry_zookeeper_state\{registry="main",state="expired"\} 1/);
  assert.match(text, /ferry_zookeeper_state\{registry="main",state="connected"\} 0/);
  assert.match(text, /ferry_zookeeper_connected\{registry="main"\} 0/);
  assert.match(text, /ferry_zookeeper_session_expirations_total\{registry="main"\} 1/);
  assert.match(text, /ferry_registry_providers\{service="users"\} 3/);
  assert.match(text, /ferry_decode_errors_total\{protocol="dubbo"\} 1/);
  assert.match(text, /ferry_upstream_connections\{protocol="dubbo",endpoint="127.0.0.1:20880"\} 1/);
  assert.match(text, /nodejs_eventloop_lag_seconds /);
  assert.match(text, /process_cpu_seconds_total /);
});
