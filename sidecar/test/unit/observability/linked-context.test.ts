import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createContextKey, trace, TraceFlags } from '@opentelemetry/api';
import { LINKED_ROOT } from '../../../src/observability/linked-context.js';

test('a linked context sets, shadows and deletes values without touching its parents', () => {
  const a = createContextKey('a');
  const b = createContextKey('b');
  const one = LINKED_ROOT.setValue(a, 1);
  const two = one.setValue(b, 2).setValue(a, 3);
  assert.equal(LINKED_ROOT.getValue(a), undefined);
  assert.equal(one.getValue(a), 1);
  assert.deepEqual([two.getValue(a), two.getValue(b)], [3, 2]);
  const gone = two.deleteValue(b);
  assert.deepEqual([gone.getValue(a), gone.getValue(b), two.getValue(b)], [3, undefined, 2]);
});

test('spans set on a linked context are found by the API', () => {
  const sc = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  const parent = trace.setSpanContext(LINKED_ROOT, sc);
  const child = trace.setSpan(parent, trace.wrapSpanContext({ ...sc, spanId: '00f067aa0ba902b7' }));
  assert.equal(trace.getSpanContext(parent)?.spanId, 'b7ad6b7169203331');
  assert.equal(trace.getSpanContext(child)?.spanId, '00f067aa0ba902b7');
  assert.equal(trace.getSpan(LINKED_ROOT), undefined);
});
