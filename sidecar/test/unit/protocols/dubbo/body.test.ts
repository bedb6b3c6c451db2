import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeErrorBody, decodeRequestBody, decodeResponseBody, encodeRequestBody } from '../../../../src/protocols/dubbo/body.js';
import { HessianError, encodeHessian } from '../../../../src/protocols/hessian/index.js';

/** A list holding the previous one twice, `levels` deep, as Hessian hex (2^levels leaves). */
function laughs(levels: number): string {
  const parts: string[] = [];
  for (let i = 0; i < levels; i++) parts.push('7a');
  parts.push('7a9090');
  for (let i = levels - 1; i >= 0; i--) parts.push('51' + (0x90 + i + 1).toString(16));
  return parts.join('');
}

function within<T>(ms: number, fn: () => T): T {
  const start = performance.now();
  const out = fn();
  assert.ok(performance.now() - start < ms, `took ${(performance.now() - start).toFixed(0)} ms`);
  return out;
}

test('a response flag that is a list is refused by its kind, never turned into text', () => {
  // 8 levels are within the ref budget; 40 levels (2^40 leaves) took minutes when String() joined them
  for (const levels of [8, 40]) {
    const body = Buffer.from(laughs(levels), 'hex');
    assert.throws(() => within(1_000, () => decodeResponseBody(body)), (e: unknown) => e instanceof HessianError);
  }
  assert.throws(() => decodeResponseBody(Buffer.from(laughs(8), 'hex')), /unknown Dubbo response flag a list of 2/);
  assert.throws(() => decodeResponseBody(encodeHessian([7])), /unknown Dubbo response flag 7/);
});

test('an error body that is not a string is described, not stringified', () => {
  assert.equal(within(1_000, () => decodeErrorBody(Buffer.from(laughs(5), 'hex'))), 'a list of 2');
  assert.equal(decodeErrorBody(encodeHessian(['boom'])), 'boom');
  assert.equal(decodeErrorBody(encodeHessian([42])), '42');
  assert.equal(decodeErrorBody(Buffer.alloc(0)), '');
});

test('attachments: a Map<String, Object>; other keys are malformed (Java fails the cast too)', () => {
  const head = encodeHessian(['2.0.2', 'com.example.Svc', '0.0.0', 'ping', '']);
  const ok = decodeRequestBody(
    encodeRequestBody({
      dubboVersion: '2.0.2',
      path: 'com.example.Svc',
      version: '0.0.0',
      method: 'ping',
      parameterDesc: '',
      args: [],
      attachments: { a: '1' },
    }),
  );
  assert.equal(ok.attachments.a, '1');
  // {1: "x"}, {[]: "x"}, {[[…], […]]: "x"}
  for (const key of ['91', '78', laughs(8)]) {
    const body = Buffer.concat([head, Buffer.from('48' + key + '0178' + '5a', 'hex')]);
    assert.throws(() => within(1_000, () => decodeRequestBody(body)), /request attachments have a key that is not a string/);
  }
  const response = Buffer.concat([encodeHessian([4, 'v']), Buffer.from('48' + '91' + '0178' + '5a', 'hex')]);
  assert.throws(() => decodeResponseBody(response), /response attachments have a key that is not a string \(1\)/);
  assert.throws(() => decodeRequestBody(Buffer.concat([head, encodeHessian(['not a map'])])), /request attachments are not a map/);
});
