import { test } from 'node:test';
import assert from 'node:assert/strict';
import hessian from 'hessian.js';
import {
  HessianDecoder,
  HessianError,
  decodeAll,
  encodeHessian,
  fromJava,
  toJava,
  parseJavaType,
  parameterDescriptor,
  splitDescriptor,
  formatJavaType,
} from '../../../../src/protocols/hessian/index.js';
import { ENCODER_MAP_TYPES } from '../../../../src/protocols/hessian/convert.js';

const json = (v: unknown) => JSON.parse(JSON.stringify(v));
/** JSON → Java → bytes → decode → JSON. */
function roundTrip(value: unknown, type: string): unknown {
  const bytes = encodeHessian([toJava(value, type)]);
  return json(fromJava(new HessianDecoder(bytes).read(), type));
}

test('scalars round trip by declared type', () => {
  assert.equal(roundTrip(42, 'int'), 42);
  assert.equal(roundTrip('42', 'java.lang.Integer'), 42);
  assert.equal(roundTrip(-3, 'short'), -3);
  assert.equal(roundTrip(true, 'boolean'), true);
  assert.equal(roundTrip('x', 'char'), 'x');
  assert.equal(roundTrip('héllo 世界 😀', 'java.lang.String'), 'héllo 世界 😀');
  assert.equal(roundTrip(3.25, 'double'), 3.25);
  assert.equal(roundTrip(0.1, 'float'), 0.1);
  assert.equal(roundTrip(null, 'java.lang.Long'), null);
});

test('long: exact beyond 2^53, strings accepted, unsafe numbers refused', () => {
  assert.equal(roundTrip(5, 'long'), 5);
  assert.equal(roundTrip('9007199254740993', 'long'), '9007199254740993');
  assert.equal(roundTrip('-9223372036854775808', 'java.lang.Long'), '-9223372036854775808');
  assert.equal(roundTrip('1234567890123', 'long'), 1234567890123);
  assert.throws(() => toJava(2 ** 60, 'long'), HessianError);
  assert.throws(() => toJava('9223372036854775808', 'long'), HessianError);
  assert.throws(() => toJava(null, 'long'), /primitives cannot be null/);
  assert.throws(() => toJava(70000, 'short'), HessianError);
  assert.throws(() => toJava('abc', 'int'), /\$: expected an integer/);
});

test('wire bytes match Java for common values', () => {
  // values from environment.md's Java-vs-hessian.js table (Caucho/hessian-lite share these encodings)
  assert.equal(encodeHessian([toJava(5, 'java.lang.Long')]).toString('hex'), 'e5');
  assert.equal(encodeHessian([toJava('1234567890123', 'long')]).toString('hex'), '4c0000011f71fb04cb');
  assert.equal(encodeHessian([toJava('9007199254740993', 'long')]).toString('hex'), '4c0020000000000001');
  assert.equal(encodeHessian([toJava(42, 'int')]).toString('hex'), 'ba');
  assert.equal(encodeHessian([toJava(3.5, 'double')]).toString('hex'), '5f00000dac');
  assert.equal(encodeHessian([toJava(['a', 'b', 'c'], 'java.util.List<java.lang.String>')]).toString('hex'), '7b016101620163');
  assert.equal(encodeHessian([toJava('AAECf4D/', 'byte[]')]).toString('hex'), '260001027f80ff');
  assert.equal(encodeHessian([toJava({ a: 1, b: 'x' }, 'java.util.Map')]).toString('hex'), '48016191016201785a');
  assert.equal(encodeHessian([toJava('2023-11-14T22:13:20.123Z', 'java.util.Date')]).toString('hex'), '4a0000018bcfe5687b');
  assert.equal(
    encodeHessian([toJava('12345.6789', 'java.math.BigDecimal')]).toString('hex'),
    '43146a6176612e6d6174682e426967446563696d616c910576616c7565600a31323334352e36373839',
  );
  // decoding Java's bytes
  assert.equal(new HessianDecoder(Buffer.from('4b01b05515', 'hex')).read()!.valueOf(), 1699999980000);
});

test('BigDecimal and BigInteger as strings', () => {
  assert.equal(roundTrip('12345.6789', 'java.math.BigDecimal'), '12345.6789');
  assert.equal(roundTrip(1.5, 'java.math.BigDecimal'), '1.5');
  for (const v of ['0', '1', '-1', '4294967296', '-123456789012345678901234567890']) assert.equal(roundTrip(v, 'java.math.BigInteger'), v);
  assert.throws(() => toJava('1,5', 'java.math.BigDecimal'), HessianError);
});

test('java.time and Date round trips are exact', () => {
  assert.equal(roundTrip('2024-02-29', 'java.time.LocalDate'), '2024-02-29');
  assert.equal(roundTrip('0001-01-01', 'java.time.LocalDate'), '0001-01-01');
  assert.equal(roundTrip('10:15', 'java.time.LocalTime'), '10:15');
  assert.equal(roundTrip('10:15:30.000000001', 'java.time.LocalTime'), '10:15:30.000000001');
  assert.equal(roundTrip('2024-02-29T23:59:59.999', 'java.time.LocalDateTime'), '2024-02-29T23:59:59.999');
  assert.equal(roundTrip('2024-02-29T00:00', 'java.time.LocalDateTime'), '2024-02-29T00:00');
  assert.equal(roundTrip('1969-12-31T23:59:59.500Z', 'java.time.Instant'), '1969-12-31T23:59:59.500Z');
  assert.equal(roundTrip('2024-01-02T03:04:05.123456789+01:00', 'java.time.Instant'), '2024-01-02T02:04:05.123456789Z');
  assert.equal(roundTrip('2024-01-02T03:04:05.123Z', 'java.util.Date'), '2024-01-02T03:04:05.123Z');
  assert.equal(roundTrip(0, 'java.util.Date'), '1970-01-01T00:00:00.000Z');
  assert.throws(() => toJava('2023-02-29', 'java.time.LocalDate'), HessianError);
});

test('collections, maps, arrays, enums and POJOs', () => {
  assert.deepEqual(roundTrip([1, 2], 'java.util.List<java.lang.Long>'), [1, 2]);
  assert.deepEqual(roundTrip(['a'], 'java.util.Set<java.lang.String>'), ['a']);
  assert.deepEqual(roundTrip({ a: '1', b: 2 }, 'java.util.Map<java.lang.String,java.lang.Long>'), { a: 1, b: 2 });
  assert.deepEqual(roundTrip({ 1: 'x', 2: 'y' }, 'java.util.Map<java.lang.Long,java.lang.String>'), { 1: 'x', 2: 'y' });
  assert.deepEqual(roundTrip([1, 2, 3], 'int[]'), [1, 2, 3]);
  assert.deepEqual(roundTrip([[1], [2, 3]], 'long[][]'), [[1], [2, 3]]);
  assert.deepEqual(roundTrip(['a', null], 'java.lang.String[]'), ['a', null]);
  assert.equal(roundTrip('RED', 'com.example.Color'), 'RED');
  const users = [
    { id: 1, name: 'a' },
    { id: 2, tags: ['x'] },
  ];
  // later instances keep their fields (hessian.js would drop `tags` without the field-union pass)
  assert.deepEqual(roundTrip(users, 'java.util.List<com.example.User>'), [
    { id: 1, name: 'a', tags: null },
    { id: 2, name: null, tags: ['x'] },
  ]);
  // nested POJO tagged with $class, typed override with {$class,$}
  const order = { id: { $class: 'java.lang.Long', $: 7 }, buyer: { $class: 'com.example.User', id: 1 } };
  const bytes = encodeHessian([toJava(order, 'com.example.Order')]);
  const decoded = new HessianDecoder(bytes).read() as unknown as { className: string; fields: Record<string, unknown> };
  assert.equal(decoded.className, 'com.example.Order');
  assert.equal((decoded.fields.buyer as { className: string }).className, 'com.example.User');
  assert.deepEqual(json(fromJava(decoded, undefined, { includeClass: true })), {
    $class: 'com.example.Order',
    id: 7,
    buyer: { $class: 'com.example.User', id: 1 },
  });
  // field types from config
  const typed = toJava({ id: 5 }, 'com.example.User', { classes: { 'com.example.User': { id: 'long', name: 'java.lang.String' } } }) as {
    $: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(typed.$), ['id', 'name']);
  assert.deepEqual(typed.$.id, { $class: 'long', $: 5 });
  // generic shape: POJOs become maps, enums names
  const g = toJava({ id: 1, color: 'RED' }, 'com.example.User', {
    generic: true,
    classes: { 'com.example.User': { color: 'com.example.Color' } },
  }) as { $class: string; $: Map<string, unknown> };
  assert.equal(g.$class, 'java.util.HashMap');
  assert.equal(g.$.get('color'), 'RED');
});

test('untyped Object: best effort by JSON shape', () => {
  const v = toJava({ n: 1, big: 2 ** 40, d: 1.5, s: 's', l: [true, null] }, 'java.lang.Object');
  const decoded = new HessianDecoder(encodeHessian([v])).read();
  assert.ok(decoded instanceof Map);
  assert.equal(decoded.get('n'), 1);
  assert.equal(decoded.get('big'), 2 ** 40);
  assert.deepEqual(json(fromJava(decoded)), { n: 1, big: 2 ** 40, d: 1.5, s: 's', l: [true, null] });
});

test('decodes what hessian.js itself writes (refs, typed maps, exceptions)', () => {
  const shared = { $class: 'com.example.User', $: { id: 1 } };
  const bytes = hessian.encode([shared, shared, { $class: 'java.util.HashMap', $: { k: 'v' } }], '2.0');
  const [list] = decodeAll(bytes) as unknown[][];
  assert.equal(list![0], list![1]); // the ref points at the same decoded object
  assert.deepEqual(json(fromJava(list)), [{ id: 1 }, { id: 1 }, { k: 'v' }]);
});

test('decoder refuses garbage, deep nesting, huge lengths and __proto__', () => {
  const bad = (hex: string | Buffer, re?: RegExp) =>
    assert.throws(
      () => decodeAll(typeof hex === 'string' ? Buffer.from(hex, 'hex') : hex),
      (e: unknown) => e instanceof HessianError && (!re || re.test(e.message)),
    );
  bad('40'); // reserved code
  bad('53ffff41'); // string longer than the data
  bad('58' + '49' + '7fffffff'); // list of 2^31-1 elements
  bad('51' + '90'); // ref to nothing
  bad('6f'); // object of an undefined class
  bad(Buffer.concat([Buffer.alloc(200, 0x57), Buffer.alloc(200, 0x5a)]), /nesting/);
  bad('48' + '095f5f70726f746f5f5f' + '90' + '5a', /__proto__/);
  const poisoned = hessian.encode({ $class: 'java.util.HashMap', $: new Map([['__proto__', { polluted: true }]]) }, '2.0');
  assert.throws(() => decodeAll(poisoned), /__proto__/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // random garbage never crashes with anything but HessianError
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed & 0xff);
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.from(Array.from({ length: 1 + (rnd() % 40) }, rnd));
    try {
      decodeAll(buf, { maxItems: 10_000 });
    } catch (e) {
      assert.ok(e instanceof HessianError, `${buf.toString('hex')}: ${String(e)}`);
    }
  }
});

test('refs cannot blow up the JSON conversion (billion laughs)', () => {
  // each level is a list holding the previous list twice: 2^40 leaves
  // list_k = [list_{k-1}, ref(list_{k-1})]; ref numbers follow the order lists start in
  const parts: string[] = [];
  for (let i = 0; i < 40; i++) parts.push('7a');
  parts.push('7a9090');
  for (let i = 39; i >= 0; i--) {
    const ref = i + 1; // index of the list one level down
    parts.push('51' + encInt(ref));
  }
  // the decoder counts what refs repeat against maxItems, and a few bytes may stand for 64 items each at most
  assert.throws(
    () => new HessianDecoder(Buffer.from(parts.join(''), 'hex')).read(),
    (e: unknown) => e instanceof HessianError && e.kind === 'limit',
  );
  // the conversion has its own bound, for values built otherwise
  let dag: unknown[] = [0, 0];
  for (let i = 0; i < 40; i++) dag = [dag, dag];
  assert.throws(() => fromJava(dag, undefined, { maxNodes: 100_000 }), /larger than/);
});

test('refs to shared values within the bounds decode (Java writes a ref for an object it wrote before)', () => {
  // [u, u, u] where u = a map {"k": "v"} written once and referred to twice
  const v = new HessianDecoder(Buffer.from('7b' + '48' + '016b' + '0176' + '5a' + '5191' + '5191', 'hex')).read() as unknown[];
  assert.equal(v.length, 3);
  assert.ok(v[0] instanceof Map && v[1] === v[0] && v[2] === v[0]);
  assert.deepEqual(JSON.parse(JSON.stringify(fromJava(v))), [{ k: 'v' }, { k: 'v' }, { k: 'v' }]);
});

function encInt(n: number): string {
  return (0x90 + n).toString(16);
}

test('Java type names and descriptors', () => {
  assert.equal(
    parameterDescriptor(['java.lang.String', 'long', 'byte[]', 'java.util.List<com.example.User>', 'Integer', 'int[][]']),
    'Ljava/lang/String;J[BLjava/util/List;Ljava/lang/Integer;[[I',
  );
  assert.deepEqual(splitDescriptor('Ljava/lang/String;J[B[[Lcom/x/Y;Z'), ['Ljava/lang/String;', 'J', '[B', '[[Lcom/x/Y;', 'Z']);
  assert.equal(splitDescriptor('').length, 0);
  assert.throws(() => splitDescriptor('Ljava/lang/String'), HessianError);
  assert.equal(
    formatJavaType(parseJavaType('java.util.Map< String , java.util.List<? extends com.x.Y>>')),
    'java.util.Map<java.lang.String,java.util.List<com.x.Y>>',
  );
  assert.equal(formatJavaType(parseJavaType('[Ljava.lang.String;')), 'java.lang.String[]');
  assert.throws(() => parseJavaType('java.util.List<'), HessianError);
});

test('parseJson: JSON.parse values, plus the text of every number JavaScript would not print back', async () => {
  const { parseJson, jsonNumberText, argumentOf } = await import('../../../../src/protocols/hessian/index.js');
  const texts = [
    '[12345678901234567890.1234567890, 19.90, 1, -0, 1e3, 3.5, "19.90 \\" 1.0", {"a": 1.50e2, "b": [0.10]}]',
    '{"k": 1, "k": 2.0}',
    '{"__proto__": 1.0, "x": {"y": 7}}',
    '"just a string with 1.0 in it"',
    '[1, 2, 3, 123456789012345]',
  ];
  for (const text of texts) assert.deepEqual(parseJson(text), JSON.parse(text), text);
  const v = parseJson(texts[0]!) as unknown[];
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((i) => jsonNumberText(v, i)),
    ['12345678901234567890.1234567890', '19.90', undefined, '-0', '1e3', undefined],
  );
  assert.equal(jsonNumberText(v[7], 'a'), '1.50e2');
  assert.equal(jsonNumberText((v[7] as { b: unknown }).b, 0), '0.10');
  const dup = parseJson(texts[1]!) as Record<string, unknown>;
  assert.equal(jsonNumberText(dup, 'k'), '2.0');
  const proto = parseJson(texts[2]!) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 1);
  assert.throws(() => parseJson('[1.0,'));
  // a bare number wrapped as the argument list: its text is known to be gone
  assert.equal(jsonNumberText(argumentOf(19.9), 0), null);
  assert.equal(jsonNumberText(argumentOf('19.90'), 0), undefined);
  // BigDecimal by the text; a lost text is refused
  assert.deepEqual(toJava(v[1], 'java.math.BigDecimal', {}, 'args[1]', jsonNumberText(v, 1)), {
    $class: 'java.math.BigDecimal',
    $: { value: '19.90' },
  });
  assert.throws(() => toJava(19.9, 'java.math.BigDecimal', {}, 'args[0]', null), /args\[0\]/);
});

test('parseJson: nesting past maxDepth is a JsonDepthError, whichever parser would run; brackets in strings do not count', async () => {
  const { parseJson, JsonDepthError } = await import('../../../../src/protocols/hessian/index.js');
  const deep = (n: number, inner = '') => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
  assert.deepEqual(parseJson(deep(4), 4), [[[[]]]]);
  assert.throws(() => parseJson(deep(5), 4), (err: unknown) => err instanceof JsonDepthError && err.maxDepth === 4);
  assert.throws(() => parseJson(deep(5, '19.90'), 4), JsonDepthError);
  assert.throws(() => parseJson(`{"a":{"b":{"c":{"d":{}}}}}`, 4), JsonDepthError);
  assert.deepEqual(parseJson(String.raw`["[[[[[[", "{{{{\\", "\"[[["]`, 2), ['[[[[[[', '{{{{\\', '"[[[']);
  assert.equal((parseJson(deep(100_000)) as unknown[]).length, 1);
});

test("encodeHessian writes scalars byte for byte as hessian.js does, alone and inside objects, lists and maps", () => {
  const reference = (values: unknown[]): Buffer => {
    const e = new hessian.EncoderV2({ size: 4096, mapTypes: ENCODER_MAP_TYPES });
    for (const v of values) e.write(v);
    return e.get();
  };
  const corpus: unknown[] = [
    ...[null, undefined, true, false, 0, -0, 1, -16, 47, 48, -17, 2047, -2048, 2048, 262143, -262144, 262144],
    ...[2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity, 2 ** 53],
    ...['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(1023), 'x'.repeat(1024), 'é'.repeat(500), 'x'.repeat(40000)],
    ...['😀 ok', 'a\u0000b'],
    [1, 'a', null, true],
    { $class: 'java.lang.Integer', $: 5 },
    { $class: 'long', $: 5 },
    { $class: 'java.util.HashMap', $: new Map<unknown, unknown>([['k', 'v'], ['n', 3]]) },
    { a: 1, b: 'x' },
    {
      $class: 'com.example.User',
      $: { id: { $class: 'long', $: 42 }, name: 'Alice', age: 30, tags: { $class: 'java.util.ArrayList', $: ['a', 'b'] } },
    },
    { $class: '[int', $: [1, 2, 3] },
    Buffer.from('abc'),
    new Date(1e12),
  ];
  for (const v of corpus) {
    assert.deepEqual(encodeHessian([v]), reference([v]), typeof v === 'string' ? `a string of ${v.length}` : String(v));
  }
  assert.deepEqual(encodeHessian(corpus), reference(corpus));
});
