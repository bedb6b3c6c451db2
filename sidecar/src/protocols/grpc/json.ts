/**
 * Proto3 canonical JSON (https://protobuf.dev/programming-guides/json/) ⇄ protobuf wire format, driven by
 * protobufjs reflection. One pass each way: the app's JSON is checked while it is encoded (unknown fields,
 * wrong kinds and out-of-range numbers are FERRY_ERR_BAD_ARGUMENTS naming the path); the upstream's bytes
 * are decoded straight to JSON.
 *
 * Output: field names in lowerCamelCase (`json_name`), 64-bit integers as strings, enums by name (numbers
 * for values the proto does not know), bytes as base64, NaN/±Infinity as strings, well-known types in their
 * special forms. Fields without presence are emitted with their default value; unset message fields, unset
 * oneof members and unset proto3 `optional` fields are omitted.
 * Input: both `json_name` and the proto field name are accepted; `null` means "default"; 64-bit integers as
 * strings or (up to 2^53) numbers; enums by name or number; base64 in the standard or URL-safe alphabet.
 */
import protobuf from 'protobufjs';
import { FerryError } from '../../errors.js';

type Type = protobuf.Type;
type Field = protobuf.Field;
type Enum = protobuf.Enum;
type Writer = protobuf.Writer;
type Reader = protobuf.Reader;

const { Reader: ReaderCtor, Writer: WriterCtor, types, util } = protobuf;

/** The `long` library protobufjs reads and writes 64-bit integers with. */
interface Long {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
  toString(): string;
  isZero(): boolean;
}
const LongLib = util.Long as unknown as { isLong(value: unknown): boolean };
/** What protobufjs's writer takes as a 64-bit value besides a number (it reads `low` and `high` only). */
interface LongBits {
  low: number;
  high: number;
}
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 2 ** 32;

/**
 * A Long as decimal text. `Long#toString` divides Long by Long (~1 µs); a value below 2^53 is exact as a
 * number, a larger one goes through a BigInt.
 */
function longText(value: Long): string {
  const { low, high, unsigned } = value;
  if (unsigned) {
    const hi = high >>> 0;
    return hi < 0x200000 ? String(hi * TWO_32 + (low >>> 0)) : ((BigInt(hi) << 32n) | BigInt(low >>> 0)).toString();
  }
  if (high >= -0x200000 && high < 0x200000) return String(high * TWO_32 + (low >>> 0));
  return ((BigInt(high) << 32n) | BigInt(low >>> 0)).toString();
}

function keyTypeOf(field: Field): string {
  return (field as unknown as protobuf.MapField).keyType;
}

/** Finds a message type by its full name (without a leading dot), for `google.protobuf.Any`. */
export type TypeResolver = (fullName: string) => Type | undefined;

// ------------------------------------------------------------------ shared helpers

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

// protobufjs rebuilds `fullName` from the parent chain on every read (an array and a join): names are kept here.
const names = new WeakMap<Type | Enum, string>();

function fullName(t: Type | Enum): string {
  let name = names.get(t);
  if (name === undefined) {
    name = t.fullName.replace(/^\./, '');
    names.set(t, name);
  }
  return name;
}

const jsonNames = new WeakMap<Field, string>();

/** `json_name` when the proto sets one, else protoc's lowerCamelCase: every `_` dropped, the letter after it upper-cased. */
export function jsonNameOf(field: Field): string {
  let name = jsonNames.get(field);
  if (name === undefined) {
    const explicit = (field.options as Record<string, unknown> | undefined)?.json_name;
    name = typeof explicit === 'string' ? explicit : field.name.replace(/_+(.?)/g, (_m, c: string) => c.toUpperCase());
    jsonNames.set(field, name);
  }
  return name;
}

const fieldIndex = new WeakMap<Type, Map<string, Field>>();
/** Field lookup by JSON name and by proto name. */
function fieldsByName(type: Type): Map<string, Field> {
  let index = fieldIndex.get(type);
  if (!index) {
    index = new Map();
    for (const field of type.fieldsArray) {
      index.set(field.name, field);
      index.set(jsonNameOf(field), field);
    }
    fieldIndex.set(type, index);
  }
  return index;
}

function resolvedType(field: Field): Type | Enum | null {
  if (!field.resolved) field.resolve();
  return field.resolvedType as Type | Enum | null;
}

function isMessageField(field: Field): Type | undefined {
  const t = resolvedType(field);
  return t instanceof protobuf.Type ? t : undefined;
}

function isEnumField(field: Field): Enum | undefined {
  const t = resolvedType(field);
  return t instanceof protobuf.Enum ? t : undefined;
}

/** Scalars and enums can be packed; strings, bytes and messages cannot. */
function isPackable(field: Field): boolean {
  if (isMessageField(field)) return false;
  return !!isEnumField(field) || types.packed[field.type as keyof typeof types.packed] !== undefined;
}

/** A field with explicit presence: a oneof member or a proto3 `optional` (a synthetic oneof). */
function hasPresence(field: Field): boolean {
  return field.partOf != null;
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);
const SPECIAL = new Set([
  ...WRAPPERS,
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.FieldMask',
  'google.protobuf.Any',
  'google.protobuf.Empty',
]);

/** Well-known types that an `Any` carries as `{"@type", "value"}` rather than inline fields. */
function anyWrapsValue(name: string): boolean {
  return SPECIAL.has(name) && name !== 'google.protobuf.Empty';
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const FLOAT_MAX = 3.4028234663852886e38;
const TIMESTAMP_MIN = -62135596800; // 0001-01-01T00:00:00Z
const TIMESTAMP_MAX = 253402300799; // 9999-12-31T23:59:59Z
const DURATION_MAX = 315576000000;
/**
 * Message nesting both ways (protobuf's own default recursion limit): deeper JSON is refused with a 400
 * instead of overflowing the stack. `google.protobuf.Value` levels are not counted, so a Struct nests as
 * deep as its JSON does.
 */
const MAX_DEPTH = 100;

// ------------------------------------------------------------------ JSON → wire

class Encoder {
  #depth = 0;
  readonly #resolve: TypeResolver;

  constructor(resolve: TypeResolver) {
    this.#resolve = resolve;
  }

  bad(path: string, message: string): never {
    throw new FerryError('FERRY_ERR_BAD_ARGUMENTS', `${path}: ${message}`);
  }

  message(type: Type, json: unknown, w: Writer, path: string): void {
    const name = fullName(type);
    const counted = name !== 'google.protobuf.Value';
    if (counted && ++this.#depth > MAX_DEPTH) this.bad(path, `messages nested deeper than ${MAX_DEPTH} levels`);
    const shaped = SPECIAL.has(name) ? this.special(name, type, json, path) : json;
    if (!isPlainObject(shaped)) this.bad(path, `expected a JSON object for ${name}, got ${kindOf(shaped)}`);
    const index = fieldsByName(type);
    // made when needed: a field can be given twice only under two names, a oneof only has members to clash
    let given: Map<Field, string> | undefined;
    let oneofs: Map<string, string> | undefined;
    for (const [key, value] of Object.entries(shaped)) {
      const field = index.get(key);
      const here = `${path}.${key}`;
      if (!field) this.bad(here, `unknown field "${key}" in ${name} (known: ${type.fieldsArray.map(jsonNameOf).join(', ') || 'none'})`);
      if (field.name !== jsonNameOf(field)) {
        given ??= new Map();
        if (given.has(field)) this.bad(here, `field "${field.name}" given twice (as "${given.get(field)}" and "${key}")`);
        given.set(field, key);
      }
      if (value === null && !this.nullable(field)) continue;
      if (field.partOf && field.partOf.fieldsArray.length > 1) {
        oneofs ??= new Map();
        const other = oneofs.get(field.partOf.name);
        if (other)
          this.bad(
            here,
            `oneof "${field.partOf.name}" already has "${other}"; set only one of ${field.partOf.fieldsArray.map(jsonNameOf).join(', ')}`,
          );
        oneofs.set(field.partOf.name, key);
      }
      this.field(field, value, w, here);
    }
    if (counted) this.#depth--;
  }

  /** `null` is a value (not "unset") only for google.protobuf.Value and NullValue. */
  nullable(field: Field): boolean {
    if (field.map || field.repeated) return false;
    const t = resolvedType(field);
    return !!t && (fullName(t) === 'google.protobuf.Value' || fullName(t) === 'google.protobuf.NullValue');
  }

  field(field: Field, value: unknown, w: Writer, path: string): void {
    if (field.map) {
      if (!isPlainObject(value)) this.bad(path, `expected a JSON object for map field "${field.name}", got ${kindOf(value)}`);
      for (const [key, item] of Object.entries(value)) {
        const here = `${path}[${JSON.stringify(key)}]`;
        if (item === null && !this.nullableValue(field)) this.bad(here, 'map values cannot be null');
        w.uint32(((field.id << 3) | 2) >>> 0).fork();
        this.mapKey(keyTypeOf(field), key, w, here);
        this.single(field, item, 2, w, here, true);
        w.ldelim();
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) this.bad(path, `expected a JSON array for repeated field "${field.name}", got ${kindOf(value)}`);
      if (isPackable(field) && field.packed) {
        if (value.length === 0) return;
        w.uint32(((field.id << 3) | 2) >>> 0).fork();
        value.forEach((item, i) => this.raw(field, item, w, `${path}[${i}]`));
        w.ldelim();
        return;
      }
      value.forEach((item, i) => {
        if (item === null && !this.nullableValue(field)) this.bad(`${path}[${i}]`, 'repeated elements cannot be null');
        this.single(field, item, field.id, w, `${path}[${i}]`, true);
      });
      return;
    }
    this.single(field, value, field.id, w, path, hasPresence(field));
  }

  nullableValue(field: Field): boolean {
    const t = resolvedType(field);
    return !!t && fullName(t) === 'google.protobuf.Value';
  }

  single(field: Field, value: unknown, id: number, w: Writer, path: string, keepDefault: boolean): void {
    const message = isMessageField(field);
    if (message) {
      w.uint32(((id << 3) | 2) >>> 0).fork();
      this.message(message, value, w, path);
      w.ldelim();
      return;
    }
    const enumType = isEnumField(field);
    if (enumType) {
      const number = this.enumNumber(enumType, value, path);
      if (number === 0 && !keepDefault) return;
      w.uint32((id << 3) >>> 0).int32(number);
      return;
    }
    const scalar = this.scalar(field.type, value, path);
    if (!keepDefault && isDefaultScalar(scalar)) return;
    const wireType = types.basic[field.type as keyof typeof types.basic];
    w.uint32(((id << 3) | wireType) >>> 0);
    writeScalar(w, field.type, scalar);
  }

  /** A packed element: the value without a tag. */
  raw(field: Field, value: unknown, w: Writer, path: string): void {
    const enumType = isEnumField(field);
    if (enumType) w.int32(this.enumNumber(enumType, value, path));
    else writeScalar(w, field.type, this.scalar(field.type, value, path));
  }

  mapKey(keyType: string, key: string, w: Writer, path: string): void {
    let value: unknown = key;
    if (keyType === 'bool') {
      if (key !== 'true' && key !== 'false') this.bad(path, `map key must be "true" or "false"`);
      value = key === 'true';
    }
    const scalar = this.scalar(keyType, value, path);
    w.uint32(((1 << 3) | types.mapKey[keyType as keyof typeof types.mapKey]) >>> 0);
    writeScalar(w, keyType, scalar);
  }

  enumNumber(enumType: Enum, value: unknown, path: string): number {
    if (fullName(enumType) === 'google.protobuf.NullValue' && value === null) return 0;
    if (typeof value === 'string') {
      const number = enumType.values[value];
      if (number === undefined)
        this.bad(path, `"${value}" is not a value of enum ${fullName(enumType)} (known: ${Object.keys(enumType.values).join(', ')})`);
      return number;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT32.min && value <= INT32.max) return value;
    return this.bad(path, `expected an enum ${fullName(enumType)} name or number, got ${kindOf(value)}`);
  }

  scalar(type: string, value: unknown, path: string): unknown {
    switch (type) {
      case 'double':
      case 'float': {
        let n: number;
        if (typeof value === 'number') n = value;
        else if (value === 'NaN') n = NaN;
        else if (value === 'Infinity') n = Infinity;
        else if (value === '-Infinity') n = -Infinity;
        else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) n = Number(value);
        else return this.bad(path, `expected a number (or "NaN", "Infinity", "-Infinity") for ${type}, got ${kindOf(value)}`);
        if (type === 'float' && Number.isFinite(n) && Math.abs(n) > FLOAT_MAX) this.bad(path, `${value} is out of range for float`);
        return n;
      }
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        return this.int32(value, INT32, type, path);
      case 'uint32':
      case 'fixed32':
        return this.int32(value, UINT32, type, path);
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return this.int64(value, INT64, type, path);
      case 'uint64':
      case 'fixed64':
        return this.int64(value, UINT64, type, path);
      case 'bool':
        if (typeof value !== 'boolean') this.bad(path, `expected true or false, got ${kindOf(value)}`);
        return value;
      case 'string':
        if (typeof value !== 'string') this.bad(path, `expected a string, got ${kindOf(value)}`);
        return value;
      case 'bytes': {
        if (typeof value !== 'string') this.bad(path, `expected base64 bytes as a string, got ${kindOf(value)}`);
        if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1) this.bad(path, 'not valid base64');
        return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
      }
      default:
        return this.bad(path, `unsupported field type ${type}`);
    }
  }

  int32(value: unknown, range: { min: number; max: number }, type: string, path: string): number {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = Number(value);
    else return this.bad(path, `expected an integer for ${type}, got ${kindOf(value)}`);
    if (!Number.isInteger(n)) this.bad(path, `${value} is not an integer (${type})`);
    if (n < range.min || n > range.max) this.bad(path, `${value} is out of range for ${type}`);
    return n;
  }

  /** A 64-bit integer as protobufjs's writer takes it: a number when exact, else its two 32-bit halves. */
  int64(value: unknown, range: { min: bigint; max: bigint }, type: string, path: string): number | LongBits {
    let big: bigint;
    if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
    else if (typeof value === 'number') {
      if (!Number.isInteger(value)) this.bad(path, `${value} is not an integer (${type})`);
      if (!Number.isSafeInteger(value))
        this.bad(path, `${value} is beyond 2^53 and may have lost precision: send ${type} values as strings`);
      if (value >= 0 || range.min < 0n) return value;
      big = BigInt(value);
    } else return this.bad(path, `expected an integer (preferably as a string) for ${type}, got ${kindOf(value)}`);
    if (big < range.min || big > range.max) this.bad(path, `${String(value)} is out of range for ${type}`);
    if (big >= SAFE_MIN && big <= SAFE_MAX) return Number(big);
    return { low: Number(BigInt.asUintN(32, big)), high: Number(BigInt.asUintN(32, big >> 32n)) };
  }

  /** The special JSON forms of well-known types, turned into the proto shape of the type. */
  special(name: string, type: Type, json: unknown, path: string): unknown {
    if (WRAPPERS.has(name)) return { value: json };
    switch (name) {
      case 'google.protobuf.Timestamp': {
        if (typeof json !== 'string') return this.bad(path, `expected an RFC 3339 timestamp string, got ${kindOf(json)}`);
        const parsed = parseTimestamp(json);
        if (!parsed)
          return this.bad(path, `"${json}" is not an RFC 3339 timestamp between 0001-01-01 and 9999-12-31 (e.g. "2024-05-01T12:30:00.5Z")`);
        return { seconds: String(parsed.seconds), nanos: parsed.nanos };
      }
      case 'google.protobuf.Duration': {
        if (typeof json !== 'string') return this.bad(path, `expected a duration string such as "1.5s", got ${kindOf(json)}`);
        const parsed = parseDuration(json);
        if (!parsed) return this.bad(path, `"${json}" is not a duration such as "1.5s" or "-0.001s" (at most ±${DURATION_MAX}s)`);
        return { seconds: parsed.seconds.toString(), nanos: parsed.nanos };
      }
      case 'google.protobuf.Struct':
        if (!isPlainObject(json)) return this.bad(path, `expected a JSON object for google.protobuf.Struct, got ${kindOf(json)}`);
        return { fields: json };
      case 'google.protobuf.ListValue':
        if (!Array.isArray(json)) return this.bad(path, `expected a JSON array for google.protobuf.ListValue, got ${kindOf(json)}`);
        return { values: json };
      case 'google.protobuf.Value':
        if (json === null) return { nullValue: 0 };
        if (typeof json === 'number') return { numberValue: json };
        if (typeof json === 'string') return { stringValue: json };
        if (typeof json === 'boolean') return { boolValue: json };
        if (Array.isArray(json)) return { listValue: json };
        if (isPlainObject(json)) return { structValue: json };
        return this.bad(path, `not a JSON value: ${kindOf(json)}`);
      case 'google.protobuf.FieldMask':
        if (typeof json !== 'string') return this.bad(path, `expected a comma-separated field mask string, got ${kindOf(json)}`);
        return { paths: json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
      case 'google.protobuf.Empty':
        return json;
      case 'google.protobuf.Any': {
        if (!isPlainObject(json)) return this.bad(path, `expected a JSON object with "@type" for google.protobuf.Any, got ${kindOf(json)}`);
        const url = json['@type'];
        if (typeof url !== 'string' || !url.includes('/'))
          return this.bad(`${path}.@type`, 'google.protobuf.Any needs "@type": "type.googleapis.com/full.Name"');
        const innerName = url.slice(url.lastIndexOf('/') + 1);
        const inner = this.#resolve(innerName);
        if (!inner) return this.bad(`${path}.@type`, `unknown message type "${innerName}"`);
        const { ['@type']: _drop, ...rest } = json;
        const innerJson = anyWrapsValue(innerName) ? rest.value : rest;
        if (anyWrapsValue(innerName)) {
          const extra = Object.keys(rest).filter((k) => k !== 'value');
          if (extra.length > 0) this.bad(`${path}.${extra[0]}`, `unknown field in an Any of ${innerName} (only "value")`);
        }
        const w = WriterCtor.create();
        this.message(inner, innerJson, w, path);
        return { typeUrl: url, value: Buffer.from(w.finish()).toString('base64') };
      }
      default:
        void type;
        return json;
    }
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function isDefaultScalar(value: unknown): boolean {
  if (value === 0 || value === false || value === '') return !Object.is(value, -0);
  if (value instanceof Uint8Array) return value.length === 0;
  if (LongLib.isLong(value)) return (value as Long).isZero();
  return false;
}

function writeScalar(w: Writer, type: string, value: unknown): void {
  (w as unknown as Record<string, (v: unknown) => Writer>)[type]!.call(w, value);
}

/** Encodes the app's JSON as a message of `type`; FERRY_ERR_BAD_ARGUMENTS when it does not fit. */
export function encodeJson(type: Type, json: unknown, resolve: TypeResolver): Buffer {
  const w = WriterCtor.create();
  new Encoder(resolve).message(type, json, w, '$');
  return Buffer.from(w.finish());
}

// ------------------------------------------------------------------ wire → JSON

class Decoder {
  #depth = 0;
  readonly #resolve: TypeResolver;

  constructor(resolve: TypeResolver) {
    this.#resolve = resolve;
  }

  message(type: Type, r: Reader, end: number): unknown {
    const counted = fullName(type) !== 'google.protobuf.Value';
    if (counted && ++this.#depth > MAX_DEPTH) throw new Error(`messages nested deeper than ${MAX_DEPTH} levels`);
    const values = new Map<Field, unknown>();
    const index = type.fieldsById;
    while (r.pos < end) {
      const tag = r.uint32();
      const id = tag >>> 3;
      const wireType = tag & 7;
      const field = index[id];
      if (!field) {
        r.skipType(wireType);
        continue;
      }
      if (field.map) {
        const entries = (values.get(field) as Map<string, unknown> | undefined) ?? new Map<string, unknown>();
        this.expectWire(field, wireType, 2);
        const [key, value] = this.mapEntry(field, r);
        entries.set(key, value);
        values.set(field, entries);
      } else if (field.repeated) {
        const list = (values.get(field) as unknown[] | undefined) ?? [];
        if (isPackable(field) && wireType === 2) {
          const stop = r.uint32() + r.pos;
          while (r.pos < stop) list.push(this.value(field, r));
        } else {
          this.expectWire(field, wireType, this.wireTypeOf(field));
          list.push(this.value(field, r));
        }
        values.set(field, list);
      } else {
        this.expectWire(field, wireType, this.wireTypeOf(field));
        if (field.partOf) for (const member of field.partOf.fieldsArray) values.delete(member);
        values.set(field, this.value(field, r));
      }
    }
    if (r.pos !== end) throw new Error('message overruns its length');
    // after toJson: an Any decodes its inner message there, one level down
    const json = this.toJson(type, values);
    if (counted) this.#depth--;
    return json;
  }

  wireTypeOf(field: Field): number {
    if (isMessageField(field)) return 2;
    if (isEnumField(field)) return 0;
    return types.basic[field.type as keyof typeof types.basic];
  }

  expectWire(field: Field, got: number, want: number): void {
    if (got !== want) throw new Error(`field ${field.name} (#${field.id}) arrived with wire type ${got}, expected ${want}`);
  }

  mapEntry(field: Field, r: Reader): [string, unknown] {
    const end = r.uint32() + r.pos;
    let key: unknown;
    let value: unknown;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) key = readScalar(r, keyTypeOf(field));
      else if (tag >>> 3 === 2) value = this.value(field, r);
      else r.skipType(tag & 7);
    }
    if (key === undefined) key = defaultScalar(keyTypeOf(field));
    if (value === undefined) value = this.defaultValue(field, true);
    return [String(key), value];
  }

  /** One value of the field's type as JSON (messages recursively). */
  value(field: Field, r: Reader): unknown {
    const message = isMessageField(field);
    if (message) {
      const length = r.uint32();
      return this.message(message, r, r.pos + length);
    }
    const enumType = isEnumField(field);
    if (enumType) return enumJson(enumType, r.int32());
    return scalarJson(field.type, readScalar(r, field.type));
  }

  defaultValue(field: Field, forMapValue = false): unknown {
    const message = isMessageField(field);
    if (message) return forMapValue ? this.message(message, ReaderCtor.create(new Uint8Array(0)), 0) : undefined;
    const enumType = isEnumField(field);
    if (enumType) return enumJson(enumType, 0);
    return scalarJson(field.type, defaultScalar(field.type));
  }

  toJson(type: Type, values: Map<Field, unknown>): unknown {
    const name = fullName(type);
    const out: Record<string, unknown> = {};
    for (const field of type.fieldsArray) {
      const has = values.has(field);
      let value: unknown;
      if (field.map) value = has ? Object.fromEntries(values.get(field) as Map<string, unknown>) : {};
      else if (field.repeated) value = has ? values.get(field) : [];
      else if (has) value = values.get(field);
      else if (hasPresence(field) || isMessageField(field)) continue;
      else value = this.defaultValue(field);
      out[jsonNameOf(field)] = value;
    }
    return SPECIAL.has(name) ? this.special(name, out) : out;
  }

  special(name: string, raw: Record<string, unknown>): unknown {
    if (WRAPPERS.has(name)) return raw.value;
    switch (name) {
      case 'google.protobuf.Timestamp':
        return formatTimestamp(BigInt(raw.seconds as string), raw.nanos as number);
      case 'google.protobuf.Duration':
        return formatDuration(BigInt(raw.seconds as string), raw.nanos as number);
      case 'google.protobuf.Struct':
        return raw.fields;
      case 'google.protobuf.ListValue':
        return raw.values;
      case 'google.protobuf.Value': {
        if ('nullValue' in raw) return null;
        for (const kind of ['numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue']) if (kind in raw) return raw[kind];
        return null;
      }
      case 'google.protobuf.FieldMask':
        return (raw.paths as string[]).map((p) => p.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())).join(',');
      case 'google.protobuf.Empty':
        return {};
      case 'google.protobuf.Any': {
        const url = raw.typeUrl as string;
        const bytes = Buffer.from(raw.value as string, 'base64');
        if (url === '') return {};
        const innerName = url.slice(url.lastIndexOf('/') + 1);
        const inner = this.#resolve(innerName);
        // A type Ferry does not know cannot be shown field by field: its bytes are kept instead.
        if (!inner) return { '@type': url, value: bytes.toString('base64') };
        const json = this.message(inner, ReaderCtor.create(bytes), bytes.length);
        if (anyWrapsValue(innerName)) return { '@type': url, value: json };
        return { '@type': url, ...(json as Record<string, unknown>) };
      }
      default:
        return raw;
    }
  }
}

function readScalar(r: Reader, type: string): unknown {
  return (r as unknown as Record<string, () => unknown>)[type]!.call(r);
}

function defaultScalar(type: string): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array(0);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return 0n;
    default:
      return 0;
  }
}

function enumJson(enumType: Enum, number: number): unknown {
  if (fullName(enumType) === 'google.protobuf.NullValue') return null;
  const name = enumType.valuesById[number];
  return name ?? number;
}

function scalarJson(type: string, value: unknown): unknown {
  switch (type) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return typeof value === 'bigint' ? value.toString() : LongLib.isLong(value) ? longText(value as Long) : String(value);
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'double':
      return finiteOrName(value as number);
    case 'float':
      return Number.isFinite(value as number) ? shortestFloat32(value as number) : finiteOrName(value as number);
    default:
      return value;
  }
}

function finiteOrName(n: number): number | string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return n;
}

/** The shortest decimal that reads back as the same float32 (so 0.1f is 0.1, not 0.10000000149011612). */
function shortestFloat32(n: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === n) return candidate;
  }
  return n;
}

/** Decodes a message of `type` to canonical JSON; throws a plain Error on malformed bytes. */
export function decodeToJson(type: Type, bytes: Uint8Array, resolve: TypeResolver): unknown {
  return new Decoder(resolve).message(type, ReaderCtor.create(bytes), bytes.length);
}

// ------------------------------------------------------------------ Timestamp and Duration text

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

export function formatTimestamp(seconds: bigint, nanos: number): string {
  const s = Number(seconds);
  if (s < TIMESTAMP_MIN || s > TIMESTAMP_MAX || nanos < 0 || nanos > 999_999_999)
    throw new Error(`Timestamp out of range: ${seconds}s ${nanos}ns`);
  const iso = new Date(s * 1000).toISOString(); // YYYY-MM-DDTHH:mm:ss.000Z for years 0001..9999
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

export function parseTimestamp(text: string): { seconds: number; nanos: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  let seconds = Math.floor(date.getTime() / 1000);
  if (!m[8]) {
    const offset = (Number(m[10]) * 3600 + Number(m[11]) * 60) * (m[9] === '-' ? -1 : 1);
    seconds -= offset;
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  if (seconds < TIMESTAMP_MIN || seconds > TIMESTAMP_MAX) return undefined;
  return { seconds, nanos };
}

export function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`;
}

export function parseDuration(text: string): { seconds: bigint; nanos: number } | undefined {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] ? -1 : 1;
  const seconds = BigInt(m[2]!);
  if (seconds > BigInt(DURATION_MAX)) return undefined;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: sign < 0 ? -seconds : seconds, nanos: sign < 0 && nanos !== 0 ? -nanos : nanos };
}
