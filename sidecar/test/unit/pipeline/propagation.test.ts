import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { headerMatcher, TRACE_CONTEXT_HEADERS } from '@ferry/sdk/contract';
import { propagationPolicy, selectHeaders, serviceMatcher } from '../../../src/pipeline/propagation.js';
import type { Call } from '../../../src/pipeline/types.js';
import type { FerryConfig } from '../../../src/config/schema.js';
import { testCall } from '../../support/call.js';

const config = (yaml: string): FerryConfig => parseConfig(yaml, 'test');

const call = (service: string, incomingHeaders: Call['incomingHeaders'], extra: Partial<Call> = {}): Call =>
  testCall({ service, incomingHeaders, ...extra });

const services = `
services:
  open: { protocol: http, endpoints: ["http://127.0.0.1:1"] }
  noauth: { protocol: http, endpoints: ["http://127.0.0.1:1"], propagation: { exclude: [authorization] } }
  custom: { protocol: http, endpoints: ["http://127.0.0.1:1"], propagation: { headers: [x-only, "x-grp-*"] } }
`;

test('matcher: exact names and prefixes, case-insensitive patterns', () => {
  const m = headerMatcher(['Authorization', 'x-user-*', 'x-tenant-id']);
  assert.equal(m('authorization'), true);
  assert.equal(m('x-user-id'), true);
  assert.equal(m('x-user-'), true);
  assert.equal(m('x-tenant-id'), true);
  assert.equal(m('x-tenant-idx'), false);
  assert.equal(m('cookie'), false);
  assert.equal(m('x-use'), false);
});

test('default allow-list: authorization, x-request-id, x-tenant-id, x-user-*', () => {
  const cfg = config(services);
  const m = serviceMatcher(cfg, cfg.services.open!);
  for (const h of ['authorization', 'x-request-id', 'x-tenant-id', 'x-user-id', 'x-user-roles']) assert.equal(m(h), true, h);
  for (const h of ['cookie', 'x-secret', 'user-agent', 'traceparent']) assert.equal(m(h), false, h);
});

test('per-service overrides: exclude trims, headers replaces', () => {
  const cfg = config(services);
  const noauth = serviceMatcher(cfg, cfg.services.noauth!);
  assert.equal(noauth('authorization'), false);
  assert.equal(noauth('x-tenant-id'), true);
  const custom = serviceMatcher(cfg, cfg.services.custom!);
  assert.equal(custom('x-only'), true);
  assert.equal(custom('x-grp-a'), true);
  assert.equal(custom('authorization'), false);
  assert.equal(custom('x-tenant-id'), false);
});

test('selectHeaders: allowed only, multi-values joined, control and connection headers never, explicit keys win', () => {
  const out = selectHeaders(
    {
      authorization: 'Bearer t',
      'x-user-id': '42',
      'x-tenant-id': ['a', 'b'],
      cookie: 'c=1',
      'x-secret': 's',
      'x-ferry-timeout-ms': '5',
      host: 'h',
      'content-length': '3',
      'x-user-name': undefined,
    },
    headerMatcher(['authorization', 'x-*', 'host', 'content-length']),
    { traceHeaders: 'tracer' },
    { 'x-user-id': 'explicit' },
  );
  assert.deepEqual(out, { authorization: 'Bearer t', 'x-user-id': 'explicit', 'x-tenant-id': 'a, b', 'x-secret': 's' });
});

test('trace headers: owned by the tracer when tracing is on, passed through when it is off', () => {
  const incoming = {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    b3: 'x',
    'x-b3-traceid': 'y',
    authorization: 'a',
  };
  const on = propagationPolicy(config(`tracing: { enabled: true }\n${services}`)).apply(
    call('open', incoming),
    config(services).services['open']!,
  );
  assert.deepEqual(on.outgoing, { authorization: 'a' });
  const off = propagationPolicy(config(services)).apply(call('open', incoming), config(services).services['open']!);
  assert.deepEqual(off.outgoing, { ...incoming });
  assert.ok(TRACE_CONTEXT_HEADERS.includes('x-b3-parentspanid'));
});

test('pass-through keeps the request headers but drops governed ones this service may not receive', () => {
  const cfg = config(services);
  const policy = propagationPolicy(cfg);
  const headers = { authorization: 'a', 'x-tenant-id': 't', accept: 'text/plain', 'x-custom': '1', traceparent: 'tp' };
  const base = { method: 'GET', path: '/', headers };
  const open = policy.apply(call('open', headers, { http: base }), cfg.services['open']!);
  assert.deepEqual(open.http!.headers, headers);
  const noauth = policy.apply(call('noauth', headers, { http: base }), cfg.services['noauth']!);
  assert.equal(noauth.http!.headers.authorization, undefined);
  assert.equal(noauth.outgoing.authorization, undefined);
  assert.equal(noauth.http!.headers['x-tenant-id'], 't');
  assert.equal(noauth.http!.headers.accept, 'text/plain');
  const custom = policy.apply(call('custom', headers, { http: base }), cfg.services['custom']!);
  assert.equal(custom.http!.headers.authorization, undefined, 'governed by the global list, not in custom list');
  assert.equal(custom.http!.headers['x-custom'], '1');
  const traced = propagationPolicy(config(`tracing: { enabled: true }\n${services}`)).apply(
    call('open', headers, { http: base }),
    cfg.services['open']!,
  );
  assert.equal(traced.http!.headers.traceparent, undefined);
});
