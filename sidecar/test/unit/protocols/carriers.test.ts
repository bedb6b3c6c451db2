import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { dubboAttachmentCarrier, isDubboReserved } from '../../../src/protocols/dubbo/carrier.js';
import { httpCarrier, type HttpHeaders } from '../../../src/protocols/http/carrier.js';
import { applyOutgoing, readCarrier } from '../../../src/protocols/carrier-util.js';
import { buildPropagator, headersGetter, outgoingSetter } from '../../../src/observability/propagators.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

test('dubbo carrier: strings only, reserved keys refused, case-insensitive get', () => {
  const att: Record<string, unknown> = { path: 'com.example.Svc', interface: 'com.example.Svc', 'X-B3-TraceId': 'abc', n: 5 };
  applyOutgoing(dubboAttachmentCarrier, att, {
    authorization: 'Bearer t',
    'x-tenant-id': 't1',
    path: 'evil',
    interface: 'evil',
    version: '9',
    group: 'g',
    timeout: '1',
    token: 'x',
    generic: 'false',
    dubbo: '1',
    async: 'true',
    'dubbo.tag': 'gray',
  });
  assert.equal(att.path, 'com.example.Svc');
  assert.equal(att.interface, 'com.example.Svc');
  for (const k of ['version', 'group', 'timeout', 'token', 'generic', 'dubbo', 'async', 'dubbo.tag']) assert.equal(att[k], undefined, k);
  assert.equal(att.authorization, 'Bearer t');
  assert.equal(att['x-tenant-id'], 't1');
  assert.equal(dubboAttachmentCarrier.get(att, 'x-b3-traceid'), 'abc');
  assert.equal(dubboAttachmentCarrier.get(att, 'n'), '5');
  for (const k of ['path', 'Interface', 'sys_callback_arg-1', 'remote.application', '_TO']) assert.equal(isDubboReserved(k), true, k);
  assert.equal(isDubboReserved('x-user-id'), false);
});

test('http carrier and readCarrier: lower-case names, values joined', () => {
  const h: HttpHeaders = {};
  applyOutgoing(httpCarrier, h, { 'X-Tenant-Id': 't', traceparent: TRACEPARENT });
  assert.deepEqual(h, { 'x-tenant-id': 't', traceparent: TRACEPARENT });
  assert.deepEqual(readCarrier(httpCarrier, { a: ['1', '2'] }), { a: '1, 2' });
});

test('propagator: reads W3C, B3 single and B3 multi; writes the configured formats', () => {
  const p = buildPropagator(['tracecontext', 'b3', 'b3multi']);
  for (const carrier of [
    { traceparent: TRACEPARENT },
    { b3: '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1' },
    { 'X-B3-TraceId': '0af7651916cd43dd8448eb211c80319c', 'X-B3-SpanId': 'b7ad6b7169203331', 'X-B3-Sampled': '1' },
  ]) {
    const sc = trace.getSpanContext(p.extract(ROOT_CONTEXT, carrier, headersGetter));
    assert.equal(sc?.traceId, '0af7651916cd43dd8448eb211c80319c', JSON.stringify(carrier));
    assert.equal(sc?.spanId, 'b7ad6b7169203331');
  }
  const ctx = p.extract(ROOT_CONTEXT, { traceparent: TRACEPARENT }, headersGetter);
  const out: Record<string, string> = {};
  p.inject(ctx, out, outgoingSetter);
  assert.equal(out.traceparent, TRACEPARENT);
  assert.equal(out.b3, '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1');
  assert.equal(out['x-b3-traceid'], '0af7651916cd43dd8448eb211c80319c');
  assert.equal(out['x-b3-spanid'], 'b7ad6b7169203331');
  const only = buildPropagator(['b3']);
  const single: Record<string, string> = {};
  only.inject(ctx, single, outgoingSetter);
  assert.deepEqual(Object.keys(single), ['b3']);
});
