/**
 * The canonical proto3 JSON mapping (https://protobuf.dev/programming-guides/json/) against the test proto of
 * the gRPC integration suite. protobufjs's own decoder and encoder stand in for "any other protobuf
 * implementation" on the wire side, so both directions are checked against bytes Ferry did not write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { FerryError } from '../../../../src/errors.js';
import {
  decodeToJson,
  encodeJson,
  formatDuration,
  formatTimestamp,
  jsonNameOf,
  parseDuration,
  parseTimestamp,
} from '../../../../src/protocols/grpc/json.js';

const FIXTURES = fileURLToPath(new URL('../../../../../test/fixtures/grpc/', import.meta.url));

function loadLab(): protobuf.Root {
  const root = new protobuf.Root();
  const original = root.resolvePath.bind(root);
  root.resolvePath = (origin, target) => (target.startsWith('shared/') ? join(FIXTURES, 'include', target) : original(origin, target));
  root.loadSync(join(FIXTURES, 'lab.proto'), { keepCase: true });
  root.resolveAll();
  return root;
}

const root = loadLab();
const Everything = root.lookupType('ferry.test.Everything');
const Scalars = root.lookupType('ferry.test.Scalars');
const resolve = (name: string) => {
  try {
    return root.lookupType(name);
  } catch {
    return undefined;
  }
};

type Obj = Record<string, unknown>;
const encode = (type: protobuf.Type, json: unknown) => encodeJson(type, json, resolve);
const decode = (type: protobuf.Type, bytes: Uint8Array) => decodeToJson(type, bytes, resolve) as Obj;
const roundTrip = (type: protobuf.Type, json: unknown) => decode(type, encode(type, json));
/** What an independent implementation reads from Ferry's bytes. */
const wire = (type: protobuf.Type, bytes: Uint8Array) =>
  type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String, oneofs: true }) as Obj;

function refused(type: protobuf.Type, json: unknown, message: RegExp): void {
  let caught: unknown;
  try {
    encode(type, json);
  } catch (err) {
    caught = err;
  }
  // (no JSON.stringify of the input here: some inputs are nested 100k levels deep)
  assert.ok(caught instanceof FerryError, `expected a FerryError matching ${message}, got ${String(caught)}`);
  assert.equal(caught.code, 'FERRY_ERR_BAD_ARGUMENTS');
  assert.match(caught.message, message);
}

const SCALARS_IN = {
  fDouble: 1.5,
  fFloat: 0.1,
  fInt32: -2147483648,
  fInt64: '-9223372036854775808',
  fUint32: 4294967295,
  fUint64: '18446744073709551615',
  fSint32: -7,
  fSint64: '-9007199254740993',
  fFixed32: 4294967295,
  fFixed64: '18446744073709551615',
  fSfixed32: -1,
  fSfixed64: '9223372036854775807',
  fBool: true,
  fString: 'héllo 世界 😀',
  fBytes: 'AAEC/w==',
};

test('every scalar kind: exact on the wire, canonical back (64-bit as strings, float32 shortest)', () => {
  const bytes = encode(Scalars, SCALARS_IN);
  assert.deepEqual(wire(Scalars, bytes), {
    f_double: 1.5,
    f_float: Math.fround(0.1),
    f_int32: -2147483648,
    f_int64: '-9223372036854775808',
    f_uint32: 4294967295,
    f_uint64: '18446744073709551615',
    f_sint32: -7,
    f_sint64: '-9007199254740993',
    f_fixed32: 4294967295,
    f_fixed64: '18446744073709551615',
    f_sfixed32: -1,
    f_sfixed64: '9223372036854775807',
    f_bool: true,
    f_string: 'héllo 世界 😀',
    f_bytes: 'AAEC/w==',
  });
  assert.deepEqual(decode(Scalars, bytes), SCALARS_IN);
});

test('the proto field names are accepted as well as the JSON names; a field given both ways is refused', () => {
  assert.deepEqual(roundTrip(Scalars, { f_int64: '5', fInt32: 3 }), { ...roundTrip(Scalars, {}), fInt64: '5', fInt32: 3 });
  refused(Scalars, { f_int32: 1, fInt32: 2 }, /given twice \(as "f_int32" and "fInt32"\)/);
});

test('fields without presence are emitted with their defaults; unset messages are omitted', () => {
  assert.deepEqual(decode(Scalars, new Uint8Array(0)), {
    fDouble: 0,
    fFloat: 0,
    fInt32: 0,
    fInt64: '0',
    fUint32: 0,
    fUint64: '0',
    fSint32: 0,
    fSint64: '0',
    fFixed32: 0,
    fFixed64: '0',
    fSfixed32: 0,
    fSfixed64: '0',
    fBool: false,
    fString: '',
    fBytes: '',
  });
  const empty = decode(Everything, new Uint8Array(0));
  for (const absent of [
    'scalars',
    'address',
    'at',
    'took',
    'maybeCount',
    'attributes',
    'anything',
    'extra',
    'inner',
    'maybe',
    'text',
    'number',
    'where',
  ]) {
    assert.equal(absent in empty, false, absent);
  }
  assert.deepEqual(
    [empty.ids, empty.tags, empty.colors, empty.counts, empty.namesById, empty.color, empty.customName],
    [[], [], [], {}, {}, 'COLOR_UNSPECIFIED', ''],
  );
  // null means "default" on input: nothing is written
  assert.equal(encode(Scalars, { fInt32: null, fString: null, fBytes: null }).length, 0);
  // defaults are not written either (proto3 has no presence for them); -0 is not the default
  assert.equal(encode(Scalars, { fInt32: 0, fInt64: '0', fBool: false, fString: '', fBytes: '', fDouble: 0 }).length, 0);
  assert.ok(Object.is(decode(Scalars, encode(Scalars, { fDouble: -0 })).fDouble, -0));
});

test('64-bit integers: strings, or numbers up to 2^53; never rounded', () => {
  assert.equal(roundTrip(Scalars, { fInt64: 9007199254740991 }).fInt64, '9007199254740991');
  assert.equal(roundTrip(Scalars, { fUint64: 0 }).fUint64, '0');
  assert.equal(roundTrip(Scalars, { fInt64: '-1' }).fInt64, '-1');
  refused(Scalars, { fInt64: 9007199254740993 }, /beyond 2\^53 .*send int64 values as strings/);
  refused(Scalars, { fInt64: '9223372036854775808' }, /out of range for int64/);
  refused(Scalars, { fSfixed64: '-9223372036854775809' }, /out of range for sfixed64/);
  refused(Scalars, { fUint64: '-1' }, /out of range for uint64/);
  refused(Scalars, { fFixed64: '18446744073709551616' }, /out of range for fixed64/);
  refused(Scalars, { fInt64: 1.5 }, /not an integer \(int64\)/);
  refused(Scalars, { fInt64: '1.5' }, /expected an integer/);
  refused(Scalars, { fInt64: '1e3' }, /expected an integer/);
  refused(Scalars, { fInt64: ' 1' }, /expected an integer/);
  refused(Scalars, { fInt64: true }, /expected an integer/);
});

test('32-bit integers: numbers or integer strings within range', () => {
  assert.equal(roundTrip(Scalars, { fInt32: '-5' }).fInt32, -5);
  assert.equal(roundTrip(Scalars, { fUint32: 1e3 }).fUint32, 1000);
  refused(Scalars, { fInt32: 2147483648 }, /out of range for int32/);
  refused(Scalars, { fSint32: -2147483649 }, /out of range for sint32/);
  refused(Scalars, { fUint32: -1 }, /out of range for uint32/);
  refused(Scalars, { fFixed32: 4294967296 }, /out of range for fixed32/);
  refused(Scalars, { fInt32: 1.25 }, /not an integer \(int32\)/);
  refused(Scalars, { fInt32: '0x10' }, /expected an integer/);
  refused(Scalars, { fInt32: [] }, /expected an integer for int32, got an array/);
});

test('floating point: NaN and ±Infinity as strings both ways, numeric strings in, float range checked', () => {
  const special = roundTrip(Scalars, { fDouble: 'NaN', fFloat: '-Infinity' });
  assert.deepEqual([special.fDouble, special.fFloat], ['NaN', '-Infinity']);
  assert.equal(roundTrip(Scalars, { fDouble: 'Infinity' }).fDouble, 'Infinity');
  assert.equal(roundTrip(Scalars, { fDouble: '2.5e-3' }).fDouble, 0.0025);
  assert.equal(roundTrip(Scalars, { fFloat: 3.4028234663852886e38 }).fFloat, 3.4028235e38);
  assert.equal(roundTrip(Scalars, { fFloat: 1 / 3 }).fFloat, 0.33333334);
  refused(Scalars, { fFloat: 3.5e38 }, /out of range for float/);
  refused(Scalars, { fDouble: 'nan' }, /expected a number/);
  refused(Scalars, { fDouble: '' }, /expected a number/);
  refused(Scalars, { fDouble: true }, /expected a number/);
});

test('bool and string: only their own JSON kinds', () => {
  refused(Scalars, { fBool: 'true' }, /expected true or false, got the string "true"/);
  refused(Scalars, { fBool: 1 }, /expected true or false/);
  refused(Scalars, { fString: 5 }, /expected a string, got number 5/);
  refused(Scalars, { fString: { a: 1 } }, /expected a string, got an object/);
});

test('bytes: base64 in the standard or URL-safe alphabet, padded or not; out in standard base64', () => {
  const raw = Buffer.from([0xfb, 0xff, 0xfe, 0x00, 0x01]);
  for (const text of [raw.toString('base64'), raw.toString('base64').replace(/=+$/, ''), raw.toString('base64url')]) {
    const back = roundTrip(Scalars, { fBytes: text });
    assert.equal(back.fBytes, raw.toString('base64'), text);
  }
  refused(Scalars, { fBytes: 'not base64!' }, /not valid base64/);
  refused(Scalars, { fBytes: 'AAAAA' }, /not valid base64/);
  refused(Scalars, { fBytes: 'AA=A' }, /not valid base64/);
  refused(Scalars, { fBytes: [1, 2] }, /expected base64 bytes as a string/);
});

test('maps: string, 64-bit and bool keys as JSON strings; message values; null values refused', () => {
  const json = {
    counts: { a: 1, '': -2 },
    namesById: { '-5': 'minus five', '9223372036854775807': 'max' },
    flags: { true: 'yes', false: 'no' },
    places: { home: { street: 'Main St', zip: '12345' } },
  };
  const bytes = encode(Everything, json);
  const other = wire(Everything, bytes);
  assert.deepEqual(other.counts, { a: 1, '': -2 });
  // protobufjs keys 64-bit map entries by an 8-character hash of the long
  const longKeys = Object.entries(other.names_by_id as Obj).map(([k, v]) => [protobuf.util.longFromHash(k, false).toString(), v]);
  assert.deepEqual(Object.fromEntries(longKeys), { '-5': 'minus five', '9223372036854775807': 'max' });
  assert.deepEqual(other.flags, { true: 'yes', false: 'no' });
  const back = decode(Everything, bytes);
  assert.deepEqual(back.counts, json.counts);
  assert.deepEqual(back.namesById, json.namesById);
  assert.deepEqual(back.flags, json.flags);
  assert.deepEqual((back.places as Obj).home, roundTrip(root.lookupType('ferry.shared.Address'), json.places.home));
  refused(Everything, { flags: { yes: 'no' } }, /\$\.flags\["yes"\]: map key must be "true" or "false"/);
  refused(Everything, { namesById: { abc: 'x' } }, /\$\.namesById\["abc"\]: expected an integer/);
  refused(Everything, { namesById: { '9223372036854775808': 'x' } }, /out of range for int64/);
  refused(Everything, { counts: { a: null } }, /map values cannot be null/);
  refused(Everything, { counts: [1] }, /expected a JSON object for map field "counts", got an array/);
  refused(Everything, { counts: { a: 'one' } }, /\$\.counts\["a"\]: expected an integer/);
});

test('map entries missing their key or value on the wire get the defaults', () => {
  // field 7 (counts) entry with only a value (2: 7), field 10 (places) entry with only a key ("k")
  const bytes = Buffer.from([0x3a, 0x02, 0x10, 0x07, 0x52, 0x03, 0x0a, 0x01, 0x6b]);
  const back = decode(Everything, bytes);
  assert.deepEqual(back.counts, { '': 7 });
  assert.deepEqual(back.places, { k: decode(root.lookupType('ferry.shared.Address'), new Uint8Array(0)) });
});

test('enums: by name or number in; by name out, numbers the proto does not know stay numbers', () => {
  const bytes = encode(Everything, { color: 'BLUE', colors: ['RED', 2, 'COLOR_UNSPECIFIED', 99] });
  assert.deepEqual(wire(Everything, bytes).colors, ['RED', 'GREEN', 'COLOR_UNSPECIFIED', 99]);
  const back = decode(Everything, bytes);
  assert.equal(back.color, 'BLUE');
  assert.deepEqual(back.colors, ['RED', 'GREEN', 'COLOR_UNSPECIFIED', 99]);
  assert.equal(roundTrip(Everything, { color: 3 }).color, 'BLUE');
  refused(
    Everything,
    { color: 'PURPLE' },
    /"PURPLE" is not a value of enum ferry\.test\.Color \(known: COLOR_UNSPECIFIED, RED, GREEN, BLUE\)/,
  );
  refused(Everything, { color: 1.5 }, /expected an enum ferry\.test\.Color name or number/);
  refused(Everything, { color: true }, /expected an enum/);
});

test('repeated fields: packed on the wire, unpacked input read too, elements checked by index', () => {
  const bytes = encode(Everything, { ids: ['1', -2, '9223372036854775807'], ratios: [0.5, 'NaN'], tags: ['a', ''] });
  assert.deepEqual(wire(Everything, bytes).ids, ['1', '-2', '9223372036854775807']);
  const back = decode(Everything, bytes);
  assert.deepEqual([back.ids, back.ratios, back.tags], [['1', '-2', '9223372036854775807'], [0.5, 'NaN'], ['a', '']]);
  // unpacked (proto2 style) elements, as older writers send them: field 3, varint 1, twice
  assert.deepEqual(decode(Everything, Buffer.from([0x18, 0x01, 0x18, 0x01])).ids, ['1', '1']);
  assert.deepEqual(roundTrip(Everything, { ids: [] }).ids, []);
  refused(Everything, { ids: '1' }, /expected a JSON array for repeated field "ids"/);
  refused(Everything, { ids: ['1', 'x'] }, /\$\.ids\[1\]: expected an integer/);
  refused(Everything, { tags: ['a', null] }, /\$\.tags\[1\]: repeated elements cannot be null/);
  refused(Everything, { addresses: [null] }, /repeated elements cannot be null/);
});

test('oneof: at most one member; a member set to its default is still present', () => {
  assert.equal(roundTrip(Everything, { number: 0 }).number, 0);
  assert.equal('text' in roundTrip(Everything, { number: 0 }), false);
  assert.equal(roundTrip(Everything, { text: '' }).text, '');
  assert.deepEqual(roundTrip(Everything, { where: {} }).where, roundTrip(root.lookupType('ferry.shared.Address'), {}));
  refused(Everything, { text: 'a', number: 1 }, /oneof "choice" already has "text"; set only one of text, number, where/);
  // null leaves a member unset, so it does not count
  assert.equal(roundTrip(Everything, { text: null, number: 4 }).number, 4);
  // on the wire the last member wins (protobuf's rule)
  const both = Buffer.concat([encode(Everything, { text: 'first' }), encode(Everything, { number: 9 })]);
  const back = decode(Everything, both);
  assert.equal(back.number, 9);
  assert.equal('text' in back, false);
});

test('proto3 optional: omitted when unset, emitted when set, even to zero', () => {
  assert.equal('maybe' in roundTrip(Everything, {}), false);
  assert.equal(roundTrip(Everything, { maybe: 0 }).maybe, 0);
  assert.equal(roundTrip(Everything, { maybe: null }).maybe, undefined);
});

test('json_name is honoured both ways', () => {
  const back = roundTrip(Everything, { customName: 'x' });
  assert.equal(back.customName, 'x');
  assert.equal('renamed' in back, false);
  assert.equal(roundTrip(Everything, { renamed: 'y' }).customName, 'y');
});

test("lowerCamelCase follows protoc's rule for odd field names (every underscore dropped)", () => {
  const parsed = protobuf.parse(
    'syntax = "proto3"; message Odd { int32 foo__bar = 1; int32 foo_Bar2 = 2; int32 x_1y = 3; int32 _lead = 4; int32 trail_ = 5; }',
    { keepCase: true },
  );
  const odd = parsed.root.lookupType('Odd');
  assert.deepEqual(odd.fieldsArray.map(jsonNameOf), ['fooBar', 'fooBar2', 'x1y', 'Lead', 'trail']);
});

test('unknown JSON fields are refused, naming the known ones; unknown wire fields are skipped', () => {
  refused(Scalars, { fInt33: 1 }, /\$\.fInt33: unknown field "fInt33" in ferry\.test\.Scalars \(known: fDouble, fFloat, /);
  refused(Everything, { scalars: { nope: 1 } }, /\$\.scalars\.nope: unknown field "nope"/);
  const known = encode(Scalars, { fInt32: 5 });
  // field 99 as varint, field 100 as length-delimited, field 101 as fixed32, field 102 as fixed64
  const extra = Buffer.from([0x98, 0x06, 0x01, 0xa2, 0x06, 0x02, 0x68, 0x69, 0xad, 0x06, 1, 2, 3, 4, 0xb1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(decode(Scalars, Buffer.concat([known, extra])).fInt32, 5);
});

test('messages must be JSON objects', () => {
  refused(Everything, null, /\$: expected a JSON object for ferry\.test\.Everything, got null/);
  refused(Everything, [1, 2], /got an array/);
  refused(Everything, 'x', /got the string "x"/);
  refused(Everything, { scalars: 5 }, /\$\.scalars: expected a JSON object for ferry\.test\.Scalars, got number 5/);
  assert.equal('scalars' in roundTrip(Everything, { scalars: null }), false);
});

test('nested messages recurse, deep nesting is bounded like protobuf (100 levels) with a clear error', () => {
  const nest = (depth: number): Obj => (depth === 0 ? { label: 'leaf' } : { children: [nest(depth - 1)], label: String(depth) });
  const back = roundTrip(Everything, { inner: nest(20) });
  let node = back.inner as Obj;
  for (let i = 20; i > 0; i--) {
    assert.equal(node.label, String(i));
    node = (node.children as Obj[])[0]!;
  }
  assert.equal(node.label, 'leaf');
  // an app sending JSON nested 100k levels gets a 400, not a stack overflow
  let deep: Obj = {};
  for (let i = 0; i < 100_000; i++) deep = { children: [deep] };
  refused(Everything, { inner: deep }, /nested deeper than 100 levels/);
  let deepStruct: unknown = 1;
  for (let i = 0; i < 100_000; i++) deepStruct = { a: deepStruct };
  refused(Everything, { attributes: deepStruct }, /nested deeper than 100 levels/);
  // a Struct as deep as the limit is fine: Value levels do not count
  let okStruct: unknown = 'leaf';
  for (let i = 0; i < 95; i++) okStruct = { a: okStruct };
  assert.deepEqual(roundTrip(Everything, { attributes: okStruct }).attributes, okStruct);
});

test('Timestamp: RFC 3339 in (any offset, 0-9 fraction digits), UTC out with 0, 3, 6 or 9 digits', () => {
  const Tick = root.lookupType('ferry.test.Tick');
  const at = (text: string) => roundTrip(Tick, { at: text }).at;
  assert.equal(at('2024-02-29T13:45:30Z'), '2024-02-29T13:45:30Z');
  assert.equal(at('2024-02-29T13:45:30.1Z'), '2024-02-29T13:45:30.100Z');
  assert.equal(at('2024-02-29T13:45:30.123456Z'), '2024-02-29T13:45:30.123456Z');
  assert.equal(at('2024-02-29T13:45:30.000000001Z'), '2024-02-29T13:45:30.000000001Z');
  assert.equal(at('2024-02-29T15:45:30+02:00'), '2024-02-29T13:45:30Z');
  assert.equal(at('2024-02-29t08:15:30.5-05:30'), '2024-02-29T13:45:30.500Z');
  assert.equal(at('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00Z');
  assert.equal(at('9999-12-31T23:59:59.999999999Z'), '9999-12-31T23:59:59.999999999Z');
  assert.equal(at('1969-12-31T23:59:59.5Z'), '1969-12-31T23:59:59.500Z');
  const wireAt = wire(Tick, encode(Tick, { at: '1970-01-01T00:00:01.5Z' })).at as Obj;
  assert.deepEqual(wireAt, { seconds: '1', nanos: 500_000_000 });
  for (const bad of [
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:60Z',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00',
    '10000-01-01T00:00:00Z',
    '0000-12-31T23:59:59Z',
    '2024-01-01T00:00:00.1234567890Z',
  ]) {
    refused(Tick, { at: bad }, /is not an RFC 3339 timestamp/);
  }
  refused(Tick, { at: 1700000000 }, /expected an RFC 3339 timestamp string, got number/);
  assert.equal(parseTimestamp('9999-12-31T23:59:59-00:01'), undefined);
  assert.throws(() => formatTimestamp(253402300800n, 0), /out of range/);
  assert.throws(() => formatTimestamp(0n, 1_000_000_000), /out of range/);
});

test('Duration: "<seconds>.<fraction>s", signed, at most ±315576000000 s', () => {
  const took = (text: string) => roundTrip(Everything, { took: text }).took;
  assert.equal(took('1.5s'), '1.500s');
  assert.equal(took('-0.001s'), '-0.001s');
  assert.equal(took('0s'), '0s');
  assert.equal(took('3s'), '3s');
  assert.equal(took('-1.000000001s'), '-1.000000001s');
  assert.equal(took('315576000000s'), '315576000000s');
  assert.deepEqual(wire(Everything, encode(Everything, { took: '-1.5s' })).took, { seconds: '-1', nanos: -500_000_000 });
  for (const bad of ['1.5', '1m', '+1s', '.5s', '1.s', '315576000001s', '1.0000000001s', ' 1s'])
    refused(Everything, { took: bad }, /is not a duration/);
  refused(Everything, { took: 1.5 }, /expected a duration string/);
  assert.deepEqual(parseDuration('-0.5s'), { seconds: 0n, nanos: -500_000_000 });
  assert.equal(formatDuration(0n, -500_000_000), '-0.500s');
});

test('wrappers: the bare value; null leaves them unset, a default value is present', () => {
  const json = {
    maybeCount: '9223372036854775807',
    maybeName: '',
    maybeFlag: false,
    maybeRatio: 'NaN',
    maybeBytes: 'AQI=',
    maybeBig: 0,
    maybeFloat: 0.1,
    maybeSmall: -3,
    maybeUnsigned: 7,
  };
  const back = roundTrip(Everything, json);
  assert.deepEqual(
    Object.fromEntries(Object.keys(json).map((k) => [k, back[k]])),
    { ...json, maybeBig: '0' },
  );
  const none = roundTrip(Everything, { maybeCount: null, maybeFlag: null });
  assert.equal('maybeCount' in none, false);
  assert.equal('maybeFlag' in none, false);
  refused(Everything, { maybeCount: 'x' }, /\$\.maybeCount\.value: expected an integer/);
  refused(Everything, { maybeFlag: { value: true } }, /expected true or false, got an object/);
});

test('Struct, Value and ListValue carry any JSON, null included', () => {
  const attributes = { s: 'x', n: -1.5, b: true, z: null, list: [1, 'two', null, { deep: [[]] }], obj: { inner: {} } };
  const back = roundTrip(Everything, { attributes, anything: [null, { a: 1 }], list: ['a', 1, false, null] });
  assert.deepEqual(back.attributes, attributes);
  assert.deepEqual(back.anything, [null, { a: 1 }]);
  assert.deepEqual(back.list, ['a', 1, false, null]);
  for (const value of [null, 0, '', false, {}, []])
    assert.deepEqual(roundTrip(Everything, { anything: value }).anything, value, JSON.stringify(value));
  refused(Everything, { attributes: [1] }, /expected a JSON object for google\.protobuf\.Struct, got an array/);
  refused(Everything, { list: { a: 1 } }, /expected a JSON array for google\.protobuf\.ListValue/);
});

test('FieldMask: one comma-separated string of lowerCamelCase paths, snake_case on the wire', () => {
  const bytes = encode(Everything, { mask: 'scalars.fInt64,customName,ids' });
  assert.deepEqual(wire(Everything, bytes).mask, { paths: ['scalars.f_int64', 'custom_name', 'ids'] });
  assert.equal(decode(Everything, bytes).mask, 'scalars.fInt64,customName,ids');
  assert.equal(roundTrip(Everything, { mask: '' }).mask, '');
  refused(Everything, { mask: ['a'] }, /expected a comma-separated field mask string/);
});

test('Any: "@type" and the fields inline; well-known types under "value"; unknown types refused in, kept as bytes out', () => {
  const address = {
    '@type': 'type.googleapis.com/ferry.shared.Address',
    ...roundTrip(root.lookupType('ferry.shared.Address'), { street: 'Main St' }),
  };
  assert.deepEqual(roundTrip(Everything, { extra: address }).extra, address);
  const duration = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2.500s' };
  assert.deepEqual(roundTrip(Everything, { extra: duration }).extra, duration);
  const struct = { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { a: [1, null] } };
  assert.deepEqual(roundTrip(Everything, { extra: struct }).extra, struct);
  const empty = { '@type': 'type.googleapis.com/google.protobuf.Empty' };
  assert.deepEqual(roundTrip(Everything, { extra: empty }).extra, empty);
  // what another implementation sees: the type URL and the inner message's bytes
  const other = wire(Everything, encode(Everything, { extra: duration })).extra as Obj;
  assert.equal(other.type_url, 'type.googleapis.com/google.protobuf.Duration');
  assert.deepEqual(wire(root.lookupType('google.protobuf.Duration'), Buffer.from(other.value as string, 'base64')), {
    seconds: '2',
    nanos: 500_000_000,
  });
  refused(Everything, { extra: { '@type': 'type.googleapis.com/no.Such' } }, /\$\.extra\.@type: unknown message type "no\.Such"/);
  refused(Everything, { extra: { street: 'x' } }, /needs "@type"/);
  refused(Everything, { extra: { '@type': 'ferry.shared.Address' } }, /needs "@type"/);
  refused(Everything, { extra: { ...duration, seconds: 1 } }, /unknown field in an Any of google\.protobuf\.Duration \(only "value"\)/);
  refused(Everything, { extra: { '@type': 'type.googleapis.com/ferry.shared.Address', nope: 1 } }, /unknown field "nope"/);
  // an Any of a type Ferry does not know comes back with its bytes
  const foreign = root
    .lookupType('google.protobuf.Any')
    .encode({ type_url: 'type.googleapis.com/other.Thing', value: Buffer.from([8, 1]) })
    .finish();
  const withForeign = Buffer.concat([Buffer.from([0xda, 0x01, foreign.length]), foreign]);
  assert.deepEqual(decode(Everything, withForeign).extra, { '@type': 'type.googleapis.com/other.Thing', value: 'CAE=' });
  // an empty Any (no type URL) is {}
  assert.deepEqual(decode(Everything, Buffer.from([0xda, 0x01, 0x00])).extra, {});
});

test('bytes from another implementation decode to the same JSON as Ferry writes', () => {
  const message = Everything.fromObject({
    scalars: { f_int64: '-42', f_uint64: '18446744073709551615', f_float: 0.25, f_bytes: Buffer.from('hi') },
    ids: ['1', '2'],
    counts: { a: 1 },
    names_by_id: { '7': 'seven' },
    flags: { true: 'yes' },
    color: 2,
    number: 0,
    at: { seconds: 1700000000, nanos: 123000000 },
    took: { seconds: -2, nanos: -500000000 },
    maybe_count: { value: '5' },
    custom_name: 'c',
  });
  const back = decode(Everything, Everything.encode(message).finish());
  assert.deepEqual((back.scalars as Obj).fInt64, '-42');
  assert.deepEqual((back.scalars as Obj).fUint64, '18446744073709551615');
  assert.deepEqual((back.scalars as Obj).fBytes, 'aGk=');
  assert.deepEqual(
    [back.ids, back.counts, back.namesById, back.flags, back.color, back.number],
    [['1', '2'], { a: 1 }, { 7: 'seven' }, { true: 'yes' }, 'GREEN', 0],
  );
  assert.deepEqual([back.at, back.took, back.maybeCount], ['2023-11-14T22:13:20.123Z', '-2.500s', '5']);
});

test('malformed bytes are a plain Error (the client maps it), never a wrong answer', () => {
  // one length-delimited field (scalars): every cut inside it is noticed
  const good = encode(Everything, { scalars: { fString: 'hello', fInt64: '-1' } });
  assert.equal(good[0], 0x0a);
  assert.equal(good[1], good.length - 2);
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(() => decode(Everything, good.subarray(0, cut)), Error, `cut at ${cut}`);
  }
  // Any inside Any inside Any…: bounded too
  const Any = root.lookupType('google.protobuf.Any');
  let nested: Uint8Array = Any.encode({ type_url: 'type.googleapis.com/google.protobuf.Empty' }).finish();
  for (let i = 0; i < 5_000; i++) nested = Any.encode({ type_url: 'type.googleapis.com/google.protobuf.Any', value: nested }).finish();
  assert.throws(() => decodeToJson(Any, nested, resolve), /nested deeper than 100 levels/);
  // field 1 (scalars, a message) arriving as a varint
  assert.throws(() => decode(Everything, Buffer.from([0x08, 0x01])), /field scalars \(#1\) arrived with wire type 0, expected 2/);
  // a length running past the end
  assert.throws(() => decode(Everything, Buffer.from([0x0a, 0x7f, 0x01])), Error);
  // an invalid wire type
  assert.throws(() => decode(Everything, Buffer.from([0x0f])), Error);
  // a Timestamp out of range
  assert.throws(
    () => decode(Everything, Buffer.from([0x7a, 0x0a, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])),
    /Timestamp out of range/,
  );
});
