import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswer, requestBody } from '../../../../src/protocols/triple/json.js';

test('one argument goes bare, other counts as an array', () => {
  assert.equal(requestBody([]), '[]');
  assert.equal(requestBody([5]), '5');
  assert.equal(requestBody([[1, 2]]), '[1,2]');
  assert.equal(requestBody(['a', 1]), '["a",1]');
});

test('answers: numbers JavaScript would round become exact strings; strings and safe numbers untouched', () => {
  assert.deepEqual(parseAnswer('{"a":9223372036854775807,"b":1,"c":-9007199254740993,"d":"9223372036854775807 x","e":1.5}'), {
    a: '9223372036854775807',
    b: 1,
    c: '-9007199254740993',
    d: '9223372036854775807 x',
    e: 1.5,
  });
  assert.deepEqual(parseAnswer('[19.90, 12345678901234567890.1234567890, 0.1, 1.0E10, -0.5]'), [
    '19.90',
    '12345678901234567890.1234567890',
    0.1,
    1e10,
    -0.5,
  ]);
  assert.deepEqual(parseAnswer('"say \\"9223372036854775807\\""'), 'say "9223372036854775807"');
  assert.equal(parseAnswer('9007199254740991'), 9007199254740991);
  assert.throws(() => parseAnswer('{bad'), SyntaxError);
});
