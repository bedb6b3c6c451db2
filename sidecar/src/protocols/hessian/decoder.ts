/**
 * A bounded Hessian 2.0 decoder (the hessian-lite / Dubbo dialect), written for untrusted input.
 *
 * Why not hessian.js's decoder: it assigns map keys onto plain objects (a `__proto__` key replaces the
 * prototype), has no depth/size/count limits, recurses on refs without checks, rounds nothing but turns
 * unsafe longs into strings indistinguishable from real strings, and converts classes named `*Exception`
 * into Error objects. This decoder produces the plain model of `model.ts` and enforces `DecodeLimits`;
 * every failure is a `HessianError`. hessian.js is still used for encoding.
 */
import { HessianError, JavaObject, WideDate, withJavaType, type JavaList, type JavaMap, type JavaValue } from './model.js';

export interface DecodeLimits {
  /** Nesting of lists/maps/objects (default 128). */
  maxDepth?: number;
  /**
   * List elements + map entries + object fields over the whole input (default 1 000 000), counting what
   * back-references repeat: a ref to a list of 1000 counts 1000 again. Whatever the limit, the expanded count
   * stays within 64 items per input byte (at least 4096), so a few bytes cannot stand for millions of nodes.
   */
  maxItems?: number;
  /** Class definitions (default 4096) and fields per class (default 1024). */
  maxClassDefs?: number;
  maxFieldsPerClass?: number;
  /** Refs + type names + class names table sizes are bounded by maxItems as well. */
}

const DEFAULTS: Required<DecodeLimits> = { maxDepth: 128, maxItems: 1_000_000, maxClassDefs: 4096, maxFieldsPerClass: 1024 };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Items (expanded through refs) an input byte may stand for; see `DecodeLimits.maxItems`. */
const ITEMS_PER_BYTE = 64;
const MIN_ITEMS = 4096;
const FORBIDDEN_KEY = '__proto__';
const NO_LIMITS: DecodeLimits = {};

interface ClassDef {
  name: string;
  fields: string[];
  /** Per field: kept in the object (inner-class back pointers `this$0` are Java plumbing), decided once per definition. */
  kept: boolean[];
}

/**
 * Reads consecutive Hessian values from one buffer, sharing the class-def, type and ref tables between
 * them (as Java's Hessian2Input does for a Dubbo body).
 */
export class HessianDecoder {
  #pos = 0;
  #depth = 0;
  #items = 0;
  readonly #refs: unknown[] = [];
  /** Items each ref'd value expands to (1 while it is still being read, e.g. a list that holds itself). */
  readonly #weights: number[] = [];
  readonly #types: string[] = [];
  readonly #classes: ClassDef[] = [];
  readonly #limits: Required<DecodeLimits>;
  readonly #maxItems: number;
  readonly #buf: Buffer;

  constructor(buf: Uint8Array, limits: DecodeLimits = NO_LIMITS) {
    // A Buffer view reads strings and 8-byte numbers without a view object per value.
    this.#buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#limits = limits === NO_LIMITS ? DEFAULTS : { ...DEFAULTS, ...limits };
    this.#maxItems = Math.min(this.#limits.maxItems, Math.max(MIN_ITEMS, ITEMS_PER_BYTE * buf.length));
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  /** Reads the next value. Throws `HessianError` on truncated, malformed or over-limit input. */
  read(): JavaValue {
    let code = this.#byte();
    // class definitions in a row: a loop, not one stack frame each
    while (code === 0x43) {
      this.#classDef();
      code = this.#byte();
    }
    return this.#readWithCode(code);
  }

  /** Reads the next value and checks it is a string. */
  readString(what: string): string {
    const v = this.#scalar(this.#byte(), `a string for ${what}`);
    if (typeof v !== 'string') throw new HessianError(`expected a string for ${what}, got ${describe(v)}`, 'malformed');
    return v;
  }

  // ---------------------------------------------------------------- primitives

  #byte(): number {
    if (this.#pos >= this.#buf.length) throw new HessianError('unexpected end of Hessian data', 'malformed');
    return this.#buf[this.#pos++]!;
  }

  #need(n: number): void {
    if (n < 0 || this.#pos + n > this.#buf.length) throw new HessianError('unexpected end of Hessian data', 'malformed');
  }

  #u16(): number {
    this.#need(2);
    const v = (this.#buf[this.#pos]! << 8) | this.#buf[this.#pos + 1]!;
    this.#pos += 2;
    return v;
  }

  #i32(): number {
    this.#need(4);
    const b = this.#buf;
    const p = this.#pos;
    this.#pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) | 0;
  }

  #i64(): bigint {
    this.#need(8);
    const v = this.#buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }

  #f64(): number {
    this.#need(8);
    const v = this.#buf.readDoubleBE(this.#pos);
    this.#pos += 8;
    return v;
  }

  #count(n: number): void {
    this.#items += n;
    if (this.#items > this.#maxItems) throw new HessianError(`more than ${this.#maxItems} items (counting what refs repeat)`, 'limit');
  }

  /** Registers a list, map or object for refs; returns its index for `settle`. */
  #addRef(value: unknown): number {
    this.#refs.push(value);
    return this.#weights.push(1) - 1;
  }

  /** Records how many items the ref'd value at `index` turned out to hold (counted since `start`). */
  #settle(index: number, start: number): void {
    this.#weights[index] = this.#items - start;
  }

  /**
   * A value that cannot contain others, where the grammar wants a string or a number (names, lengths, refs,
   * field counts): a composite there is malformed, and refusing it keeps such positions from recursing
   * outside the depth limit (`70 70 70…`, typed lists whose type is a typed list, would overflow the stack).
   */
  #scalar(code: number, what: string): JavaValue {
    if (
      code === 0x43 ||
      code === 0x48 ||
      code === 0x4d ||
      code === 0x4f ||
      code === 0x51 ||
      (code >= 0x55 && code <= 0x58) ||
      (code >= 0x60 && code <= 0x7f)
    ) {
      throw new HessianError(`expected ${what}, got code 0x${code.toString(16)} at ${this.#pos - 1}`, 'malformed');
    }
    return this.#readWithCode(code);
  }

  /** An `int` production (used for lengths, refs, field counts). */
  #readIntValue(): number {
    const v = this.#scalar(this.#byte(), 'an int');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new HessianError(`expected an int, got ${describe(v)}`, 'malformed');
    return v;
  }

  #long(v: bigint): number | bigint {
    return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
  }

  // ---------------------------------------------------------------- dispatch

  #readWithCode(code: number): JavaValue {
    if (code <= 0x1f) return this.#utf8(code, true);
    if (code <= 0x2f) return this.#bytesOf(code - 0x20);
    if (code <= 0x33) return this.#utf8(((code - 0x30) << 8) | this.#byte(), true);
    if (code <= 0x37) return this.#bytesOf(((code - 0x34) << 8) | this.#byte());
    if (code <= 0x3f) {
      const b1 = this.#byte();
      const b0 = this.#byte();
      return ((code - 0x3c) << 16) + (b1 << 8) + b0;
    }
    if (code >= 0x80 && code <= 0xbf) return code - 0x90;
    if (code >= 0xc0 && code <= 0xcf) return ((code - 0xc8) << 8) + this.#byte();
    if (code >= 0xd0 && code <= 0xd7) {
      const b1 = this.#byte();
      const b0 = this.#byte();
      return ((code - 0xd4) << 16) + (b1 << 8) + b0;
    }
    if (code >= 0xd8 && code <= 0xef) return code - 0xe0;
    if (code >= 0xf0) return ((code - 0xf8) << 8) + this.#byte();
    if (code >= 0x60 && code <= 0x6f) return this.#instance(code - 0x60);
    if (code >= 0x70 && code <= 0x77) return this.#list(this.#type(), code - 0x70);
    if (code >= 0x78 && code <= 0x7f) return this.#list(undefined, code - 0x78);
    switch (code) {
      case 0x41: // 'A' binary chunk
      case 0x42: // 'B' final binary chunk
        return this.#chunkedBytes(code);
      case 0x43: // 'C' class def, followed by the value that uses it
        this.#classDef();
        return this.read();
      case 0x44:
        return this.#f64();
      case 0x46:
        return false;
      case 0x48:
        return this.#map(undefined);
      case 0x49:
        return this.#i32();
      case 0x4a:
        return dateOf(this.#i64());
      case 0x4b:
        return new Date(this.#i32() * 60000);
      case 0x4c:
        return this.#long(this.#i64());
      case 0x4d:
        return this.#map(this.#type());
      case 0x4e:
        return null;
      case 0x4f:
        return this.#instance(this.#readIntValue());
      case 0x51: {
        const ref = this.#readIntValue();
        if (ref < 0 || ref >= this.#refs.length) throw new HessianError(`ref ${ref} out of range`, 'malformed');
        this.#count(this.#weights[ref]!);
        return this.#refs[ref] as JavaValue;
      }
      case 0x52:
      case 0x53:
        return this.#chunkedString(code);
      case 0x54:
        return true;
      case 0x55:
        return this.#list(this.#type(), -1);
      case 0x56: {
        const type = this.#type();
        return this.#list(type, this.#readIntValue());
      }
      case 0x57:
        return this.#list(undefined, -1);
      case 0x58:
        return this.#list(undefined, this.#readIntValue());
      case 0x59:
        return this.#i32();
      case 0x5b:
        return 0;
      case 0x5c:
        return 1;
      case 0x5d:
        return (this.#byte() << 24) >> 24;
      case 0x5e: {
        const v = this.#u16();
        return (v << 16) >> 16;
      }
      case 0x5f:
        return 0.001 * this.#i32();
      default:
        throw new HessianError(`unexpected Hessian code 0x${code.toString(16).padStart(2, '0')} at ${this.#pos - 1}`, 'malformed');
    }
  }

  // ---------------------------------------------------------------- strings / binary

  /** Reads `len` UTF-16 units of Hessian's UTF-8 (surrogates as 3-byte sequences, like Java). */
  #utf8(len: number, _final: boolean): string {
    // every unit needs at least one byte
    this.#need(len);
    const b = this.#buf;
    let p = this.#pos;
    // fast path: ASCII
    let ascii = true;
    for (let i = 0; i < len; i++) {
      if (b[p + i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.#pos += len;
      return b.toString('latin1', p, p + len);
    }
    const units: number[] = [];
    let n = 0;
    while (n < len) {
      if (p >= b.length) throw new HessianError('unexpected end of Hessian string', 'malformed');
      const c = b[p++]!;
      if (c < 0x80) {
        units.push(c);
        n++;
      } else if ((c & 0xe0) === 0xc0) {
        if (p >= b.length) throw new HessianError('unexpected end of Hessian string', 'malformed');
        units.push(((c & 0x1f) << 6) | (b[p++]! & 0x3f));
        n++;
      } else if ((c & 0xf0) === 0xe0) {
        if (p + 1 >= b.length) throw new HessianError('unexpected end of Hessian string', 'malformed');
        units.push(((c & 0x0f) << 12) | ((b[p]! & 0x3f) << 6) | (b[p + 1]! & 0x3f));
        p += 2;
        n++;
      } else if ((c & 0xf8) === 0xf0) {
        // 4-byte UTF-8 (not what Java writes, but accept it): two UTF-16 units
        if (p + 2 >= b.length) throw new HessianError('unexpected end of Hessian string', 'malformed');
        const cp = ((c & 0x07) << 18) | ((b[p]! & 0x3f) << 12) | ((b[p + 1]! & 0x3f) << 6) | (b[p + 2]! & 0x3f);
        p += 3;
        const v = cp - 0x10000;
        units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        n += 2;
      } else {
        throw new HessianError('invalid UTF-8 in Hessian string', 'malformed');
      }
    }
    this.#pos = p;
    let s = '';
    for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
    return s;
  }

  #chunkedString(code: number): string {
    let s = '';
    for (;;) {
      if (code === 0x52 || code === 0x53) {
        s += this.#utf8(this.#u16(), code === 0x53);
        if (code === 0x53) return s;
      } else if (code <= 0x1f) {
        return s + this.#utf8(code, true);
      } else if (code >= 0x30 && code <= 0x33) {
        return s + this.#utf8(((code - 0x30) << 8) | this.#byte(), true);
      } else {
        throw new HessianError('bad string chunk', 'malformed');
      }
      code = this.#byte();
    }
  }

  #bytesOf(len: number): Buffer {
    this.#need(len);
    const out = Buffer.from(this.#buf.subarray(this.#pos, this.#pos + len));
    this.#pos += len;
    return out;
  }

  #chunkedBytes(code: number): Buffer {
    const parts: Buffer[] = [];
    for (;;) {
      if (code === 0x41 || code === 0x42) {
        parts.push(this.#bytesOf(this.#u16()));
        if (code === 0x42) break;
      } else if (code >= 0x20 && code <= 0x2f) {
        parts.push(this.#bytesOf(code - 0x20));
        break;
      } else if (code >= 0x34 && code <= 0x37) {
        parts.push(this.#bytesOf(((code - 0x34) << 8) | this.#byte()));
        break;
      } else {
        throw new HessianError('bad binary chunk', 'malformed');
      }
      code = this.#byte();
    }
    return Buffer.concat(parts);
  }

  // ---------------------------------------------------------------- composites

  #enter(): void {
    if (++this.#depth > this.#limits.maxDepth) throw new HessianError(`nesting deeper than ${this.#limits.maxDepth}`, 'limit');
  }

  /** A type: a string (added to the type table) or an int reference to it. */
  #type(): string {
    const code = this.#byte();
    if (code <= 0x1f || (code >= 0x30 && code <= 0x33) || code === 0x52 || code === 0x53) {
      const t = this.#readWithCode(code) as string;
      this.#count(1);
      this.#types.push(t);
      return t;
    }
    const ref = this.#scalar(code, 'a type');
    if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 0 || ref >= this.#types.length) {
      throw new HessianError(`bad type reference ${String(ref)}`, 'malformed');
    }
    return this.#types[ref]!;
  }

  #list(type: string | undefined, length: number): JavaList {
    this.#enter();
    const list: JavaList = withJavaType([] as unknown[], type);
    const ref = this.#addRef(list);
    const start = this.#items;
    this.#count(1);
    if (length >= 0) {
      // each element takes at least one byte: refuse absurd lengths before looping
      if (length > this.#buf.length - this.#pos) throw new HessianError(`list length ${length} exceeds the remaining bytes`, 'malformed');
      this.#count(length);
      for (let i = 0; i < length; i++) list.push(this.read());
    } else {
      for (;;) {
        const code = this.#byte();
        if (code === 0x5a) break;
        this.#count(1);
        list.push(this.#readWithCode(code));
      }
    }
    this.#settle(ref, start);
    this.#depth--;
    return list;
  }

  #map(type: string | undefined): JavaMap {
    this.#enter();
    const map: JavaMap = withJavaType(new Map<unknown, unknown>(), type || undefined);
    const ref = this.#addRef(map);
    const start = this.#items;
    this.#count(1);
    for (;;) {
      const code = this.#byte();
      if (code === 0x5a) break;
      this.#count(1);
      const key = this.#readWithCode(code);
      if (key === FORBIDDEN_KEY) throw new HessianError('map key "__proto__" refused', 'forbidden');
      map.set(key, this.read());
    }
    this.#settle(ref, start);
    this.#depth--;
    return map;
  }

  #classDef(): void {
    if (this.#classes.length >= this.#limits.maxClassDefs)
      throw new HessianError(`more than ${this.#limits.maxClassDefs} class definitions`, 'limit');
    const name = this.readString('class name');
    const n = this.#readIntValue();
    if (n < 0 || n > this.#limits.maxFieldsPerClass) throw new HessianError(`class ${name} declares ${n} fields`, 'limit');
    if (n > this.#buf.length - this.#pos) throw new HessianError(`class ${name}: field count exceeds the remaining bytes`, 'malformed');
    const fields: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = this.readString('field name');
      if (f === FORBIDDEN_KEY) throw new HessianError('field name "__proto__" refused', 'forbidden');
      fields.push(f);
    }
    this.#classes.push({ name, fields, kept: fields.map((f) => !/^this\$\d+$/.test(f)) });
  }

  #instance(classRef: number): JavaObject {
    const def = this.#classes[classRef];
    if (!def) throw new HessianError(`object refers to undefined class #${classRef}`, 'malformed');
    this.#enter();
    const obj = new JavaObject(def.name);
    const ref = this.#addRef(obj);
    const start = this.#items;
    this.#count(def.fields.length + 1);
    const { fields, kept } = def;
    for (let i = 0; i < fields.length; i++) {
      const v = this.read();
      if (kept[i]) obj.fields[fields[i]!] = v;
    }
    this.#settle(ref, start);
    this.#depth--;
    return obj;
  }
}

/** JS Date's range: ±8.64e15 ms. */
const MAX_JS_DATE = 8_640_000_000_000_000n;

function dateOf(ms: bigint): Date | WideDate {
  return ms > MAX_JS_DATE || ms < -MAX_JS_DATE ? new WideDate(ms) : new Date(Number(ms));
}

/** Decodes every value in `buf` (e.g. a whole Hessian stream) into an array. */
export function decodeAll(buf: Uint8Array, limits?: DecodeLimits): JavaValue[] {
  const d = new HessianDecoder(buf, limits);
  const out: JavaValue[] = [];
  while (!d.done) out.push(d.read());
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof JavaObject) return `object ${v.className}`;
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'map';
  return typeof v;
}
