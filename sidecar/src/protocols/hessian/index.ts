/**
 * Hessian 2 for Ferry: a bounded decoder (`HessianDecoder`), hessian.js for encoding (`encodeHessian`),
 * JSON ↔ Java conversion by declared Java type (`toJava`, `fromJava`) and exceptions.
 * See `convert.ts` for the JSON conventions.
 */
import hessian from 'hessian.js';
import { ENCODER_MAP_TYPES, type HessianInput } from './convert.js';
import { HessianError } from './model.js';

export * from './model.js';
export * from './decoder.js';
export * from './java-types.js';
export { toJava, fromJava, hessianArrayType, HANDLE, type ToJavaOptions, type FromJavaOptions, type HessianInput } from './convert.js';
export { parseJson, jsonNumberText, argumentOf, JsonDepthError } from './json-text.js';
export { decodeException, encodeException, isThrowableObject, type JavaException } from './exception.js';
export {
  formatDateMillis,
  formatInstant,
  formatLocalDate,
  formatLocalTime,
  parseInstant,
  parseLocalDate,
  parseLocalDateTime,
  parseLocalTime,
} from './time.js';

/** Names hessian.js writes with dedicated serializers (not class-def objects). */
const SCALAR_CLASSES = new Set([
  'boolean', 'java.lang.Boolean', 'bool', 'double', 'java.lang.Double', 'float', 'java.lang.Float', 'long', 'java.lang.Long',
  'short', 'java.lang.Short', 'int', 'java.lang.Integer', 'byte', 'java.lang.Byte', 'java.lang.String', 'String', 'string',
  'char', 'char[]', 'java.lang.Character', 'java.util.Date', 'java.lang.Object',
]);

/**
 * Writes values one after the other into one Hessian 2 stream (shared class definitions and refs, as Java's
 * Hessian2Output does for a Dubbo body). Input is `toJava` output (or any hessian.js value).
 *
 * Before writing, every class's instances are given the same field list (the union, in first-seen order,
 * missing fields null): hessian.js fixes a class's fields from its first instance and would silently drop
 * fields of later instances otherwise (hessian.js#120/#130).
 */
export function encodeHessian(values: readonly HessianInput[]): Buffer {
  normalizeClassFields(values);
  // One encoder serves every call (encoding is synchronous): a new one allocated and zero-filled its buffer
  // on each call. reset() forgets the previous stream's class definitions and refs.
  const encoder = (shared ??= new Encoder({ size: ENCODER_BYTES, mapTypes: ENCODER_MAP_TYPES })).reset();
  try {
    for (const v of values) encoder.write(v);
    // get() copies the bytes out; the buffer stays for the next call unless one huge value grew it.
    return encoder.get();
  } catch (err) {
    shared = undefined;
    throw new HessianError(`cannot encode: ${(err as Error).message}`, 'type');
  } finally {
    if (shared && shared.byteBuffer.capacity() > ENCODER_BYTES * 16) shared = undefined;
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * hessian.js, with two changes:
 * - dates: hessian.js writes them from JS numbers only; a java.util.Date beyond JS Date's range comes from
 *   `toJava` as `{ $class: 'java.util.Date', $: <bigint epoch ms> }` and is written here as Hessian's 64-bit
 *   date (`J`);
 * - scalars (null, booleans, 32-bit integers, strings up to one chunk) are written here, byte for byte as
 *   hessian.js writes them, without its per-value type assertion and debug-log calls (~40% of encoding a
 *   Dubbo request). Every other value, and every value inside one, still goes through hessian.js, which calls
 *   back into `write` for the values it contains.
 */
class Encoder extends hessian.EncoderV2 {
  override write(value: HessianInput): this {
    switch (typeof value) {
      case 'string':
        return value.length <= 0x8000 ? this.#string(value) : super.write(value);
      case 'boolean':
        this.byteBuffer.put(value ? 0x54 : 0x46); // T F
        return this;
      case 'number':
        return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? this.#int(value) : super.write(value);
      case 'object':
        if (value !== null) return super.write(value);
        this.byteBuffer.put(0x4e); // N
        return this;
      default:
        return super.write(value);
    }
  }

  /** The bytes written, copied out into Node's pooled memory (hessian.js's copy is a zero-filled `Buffer.alloc`). */
  override get(): Buffer {
    return Buffer.from(this.byteBuffer._bytes.subarray(0, this.byteBuffer.position()));
  }

  override writeDate(ms: Date | number | bigint): this {
    if (typeof ms !== 'bigint') return super.writeDate(ms);
    this.byteBuffer.put(0x4a).putLong(ms.toString());
    return this;
  }

  /** Hessian 2 `int`: one byte for -16..47, two for -2048..2047, three for -262144..262143, else `I` + 4 bytes. */
  #int(n: number): this {
    const b = this.byteBuffer;
    if (n >= -0x10 && n <= 0x2f) b.put(n + 0x90);
    else if (n >= -0x800 && n <= 0x7ff) b.put((n >> 8) + 0xc8).put(n & 0xff);
    else if (n >= -0x40000 && n <= 0x3ffff) b.put((n >> 16) + 0xd4).putUInt16(n & 0xffff);
    else b.put(0x49).putInt(n);
    return this;
  }

  /** A Hessian 2 string in one chunk: its length in UTF-16 units (1, 2 or 3 bytes), then CESU-8 as hessian.js writes it. */
  #string(text: string): this {
    const b = this.byteBuffer;
    const n = text.length;
    if (n <= 31) b.put(n);
    else if (n <= 1023) b.put(48 + (n >> 8)).put(n & 0xff);
    else b.put(0x53).put(n >> 8).put(n & 0xff);
    b.putRawString(text);
    return this;
  }
}

const ENCODER_BYTES = 4096;
let shared: Encoder | undefined;

function isClassObject(v: unknown): v is { $class: string; $: Record<string, unknown> } {
  if (v === null || typeof v !== 'object') return false;
  const o = v as { $class?: unknown; $?: unknown };
  return (
    typeof o.$class === 'string' &&
    !SCALAR_CLASSES.has(o.$class) &&
    !ENCODER_MAP_TYPES[o.$class] &&
    !o.$class.startsWith('[') &&
    o.$ !== null &&
    typeof o.$ === 'object' &&
    !Array.isArray(o.$) &&
    !(o.$ instanceof Map)
  );
}

function normalizeClassFields(values: readonly HessianInput[]): void {
  const fieldsOf = new Map<string, string[]>();
  const instances: { $class: string; $: Record<string, unknown> }[] = [];
  const seen = new Set<object>();
  // for…in / for…of loops: this walk runs on every encoded body, and Object.values()/forEach allocated per node
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || Buffer.isBuffer(v) || v instanceof Date) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
      return;
    }
    if (isClassObject(v)) {
      instances.push(v);
      const known = fieldsOf.get(v.$class);
      if (!known) fieldsOf.set(v.$class, Object.keys(v.$));
      else for (const k in v.$) if (!known.includes(k)) known.push(k);
      for (const k in v.$) walk(v.$[k]);
      return;
    }
    const o = v as Record<string, unknown>;
    if ('$' in o && typeof o.$class === 'string') walk(o.$);
    else for (const k in o) walk(o[k]);
  };
  for (const v of values) walk(v);
  // one instance per class (the common case) has nothing to unify
  if (instances.length <= 1) return;
  for (const inst of instances) {
    const fields = fieldsOf.get(inst.$class)!;
    const keys = Object.keys(inst.$);
    if (keys.length === fields.length && keys.every((k, i) => k === fields[i])) continue;
    const $: Record<string, unknown> = {};
    for (const f of fields) $[f] = f in inst.$ ? inst.$[f] : null;
    inst.$ = $;
  }
}
