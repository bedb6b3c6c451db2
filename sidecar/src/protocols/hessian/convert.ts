/**
 * JSON ↔ Java values for Hessian 2 (Dubbo's hessian-lite dialect).
 *
 * Conventions (JSON side):
 * - int/short/byte/double/float: JSON numbers (numeric strings are accepted on input).
 * - long: a JSON number when |v| ≤ 2^53−1, otherwise a string ("9007199254740993"); input accepts both, and
 *   refuses a JSON number that is not a safe integer (it was already rounded by JSON.parse).
 * - char: a one-character string. String: a string.
 * - BigDecimal, BigInteger: decimal strings (numbers accepted on input).
 * - java.util.Date: ISO-8601 string (`toISOString()`); input also takes epoch milliseconds.
 * - java.time.LocalDate / LocalTime / LocalDateTime / Instant: ISO strings exactly as Java's `toString()` prints them.
 * - enums: the constant name. byte[]: base64 (input also takes an array of numbers). null: null.
 * - POJOs: JSON objects. On input the Java class is the declared type; an object may name its class with a
 *   `"$class"` key (required for POJOs nested in fields whose type Ferry cannot know, unless the field types are
 *   given in `options.classes`). `{"$class": "java.lang.Long", "$": 5}` forces a Java type anywhere.
 *   On output POJOs are plain objects without class names (`options.includeClass` adds `$class`).
 * - Generic invocation (`options.generic`): POJOs travel as maps and enums as names — the provider's
 *   `PojoUtils.realize` rebuilds them; results come back as maps carrying Dubbo's own `"class"` key, which
 *   `fromJava(…, { generic: true })` turns into the same JSON a typed call gets (no `class` key).
 * - Java exceptions decode to `{ exceptionClass, message, fields }` (see `exception.ts`).
 * - Doubles that JSON cannot hold (NaN, ±Infinity) come out as the strings "NaN", "Infinity", "-Infinity".
 */
import { HessianError, JavaObject, WideDate, type JavaValue } from './model.js';
import { parseJavaType, type JavaType } from './java-types.js';
import {
  civilFromDays,
  daysFromCivil,
  formatDateMillis,
  formatInstant,
  formatLocalDate,
  formatLocalTime,
  parseInstant,
  parseLocalDate,
  parseLocalDateTime,
  parseLocalTime,
} from './time.js';
import { decodeException, isThrowableObject } from './exception.js';
import { jsonNumberText } from './json-text.js';

/** What hessian.js's encoder takes: JS values and `{ $class, $ }` wrappers. */
export type HessianInput = unknown;

export interface ToJavaOptions {
  /** Field types of POJO classes (`{ 'com.example.User': { id: 'long', tags: 'java.util.List<java.lang.String>' } }`). */
  classes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Generic-invocation shapes: POJOs as maps, enums as names. */
  generic?: boolean;
  /**
   * With `generic`: every POJO map carries Dubbo's `class` key (what a Java provider's `PojoUtils.generalize`
   * writes into answers to generic calls). Without it only objects that named a `$class` get one.
   */
  classKey?: boolean;
  /** Which class names a JSON `$class` may pick (default: any). Declared types are always allowed. */
  allowClass?: (className: string) => boolean;
}

export interface FromJavaOptions {
  classes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Add `$class` to POJOs. */
  includeClass?: boolean;
  /**
   * Answers of generic `$invoke` calls: the provider's `PojoUtils.generalize` turned POJOs into maps with a
   * `"class"` entry. Such maps (unless the declared type is a Map) become the same JSON as the typed answer:
   * the `class` entry dropped (or `$class` with `includeClass`), field types from `classes`, declared field
   * order first; a generalized `java.time.Instant` ({epochSecond, nano}) becomes its ISO string.
   */
  generic?: boolean;
  /** Output nodes budget (refs can make a small input expand): default 1 000 000. */
  maxNodes?: number;
}

// ----------------------------------------------------------------------------------- type classification

const INT_RANGES: Record<string, [number, number]> = {
  int: [-2147483648, 2147483647],
  'java.lang.Integer': [-2147483648, 2147483647],
  short: [-32768, 32767],
  'java.lang.Short': [-32768, 32767],
  byte: [-128, 127],
  'java.lang.Byte': [-128, 127],
};
const PRIMITIVE_NAMES = new Set(['boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double']);
const LIST_TYPES = new Set([
  'java.util.List',
  'java.util.ArrayList',
  'java.util.LinkedList',
  'java.util.Collection',
  'java.lang.Iterable',
  'java.util.AbstractList',
  'java.util.Vector',
]);
const SET_TYPES: Record<string, string> = {
  'java.util.Set': 'java.util.HashSet',
  'java.util.HashSet': 'java.util.HashSet',
  'java.util.LinkedHashSet': 'java.util.LinkedHashSet',
  'java.util.SortedSet': 'java.util.TreeSet',
  'java.util.NavigableSet': 'java.util.TreeSet',
  'java.util.TreeSet': 'java.util.TreeSet',
};
/** Map types: `''` = untyped `H` map (Java's HashMap form), else the concrete class written as a typed map. */
const MAP_TYPES: Record<string, string> = {
  'java.util.Map': '',
  'java.util.HashMap': '',
  'java.util.AbstractMap': '',
  'java.util.LinkedHashMap': 'java.util.LinkedHashMap',
  'java.util.SortedMap': 'java.util.TreeMap',
  'java.util.NavigableMap': 'java.util.TreeMap',
  'java.util.TreeMap': 'java.util.TreeMap',
  'java.util.concurrent.ConcurrentMap': 'java.util.concurrent.ConcurrentHashMap',
  'java.util.concurrent.ConcurrentHashMap': 'java.util.concurrent.ConcurrentHashMap',
  'java.util.Hashtable': 'java.util.Hashtable',
};
/** Typed map names the hessian.js encoder must write as maps (not as class-def objects). */
export const ENCODER_MAP_TYPES: Record<string, boolean> = Object.fromEntries(
  ['java.util.HashMap', 'java.util.Map', ...Object.values(MAP_TYPES).filter(Boolean)].map((n) => [n, true]),
);
const MAX_LONG = 2n ** 63n - 1n;
const MIN_LONG = -(2n ** 63n);
/** JS Date's range: ±8.64e15 ms. */
const MAX_JS_DATE = 8_640_000_000_000_000n;
/** The end of an ISO date-time that names an instant: `Z` or a UTC offset. */
const INSTANT_OFFSET = /[T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
const UNTYPED = new Set(['java.lang.Object', 'java.io.Serializable', 'java.lang.Comparable', 'java.lang.Number']);

export const HANDLE = {
  localDate: 'com.alibaba.com.caucho.hessian.io.java8.LocalDateHandle',
  localTime: 'com.alibaba.com.caucho.hessian.io.java8.LocalTimeHandle',
  localDateTime: 'com.alibaba.com.caucho.hessian.io.java8.LocalDateTimeHandle',
  instant: 'com.alibaba.com.caucho.hessian.io.java8.InstantHandle',
} as const;

/** A Java binary class name (what `PojoUtils.generalize` puts under `"class"`). */
const JAVA_CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;
const OBJECT_TYPE: JavaType = { name: 'java.lang.Object', args: [] };
const STRING_TYPE: JavaType = { name: 'java.lang.String', args: [] };
const typeCache = new Map<string, JavaType>();

function typeOf(t: string | JavaType | undefined): JavaType {
  if (t === undefined) return OBJECT_TYPE;
  if (typeof t !== 'string') return t;
  let parsed = typeCache.get(t);
  if (!parsed) {
    parsed = parseJavaType(t);
    if (typeCache.size < 10_000) typeCache.set(t, parsed);
  }
  return parsed;
}

/** Array type name as hessian-lite writes it: `[int`, `[string`, `[object`, `[date`, `[com.example.User`, `[[int`. */
export function hessianArrayType(component: JavaType): string {
  if (component.component) return `[${hessianArrayType(component.component)}`;
  switch (component.name) {
    case 'java.lang.String':
      return '[string';
    case 'java.lang.Object':
      return '[object';
    case 'java.util.Date':
      return '[date';
    default:
      return `[${component.name}`;
  }
}

// ----------------------------------------------------------------------------------- JSON → Java

/**
 * Converts a JSON value into what hessian.js writes as the declared Java type `javaType`
 * (a name like `java.util.List<com.example.User>` or a parsed JavaType; default `java.lang.Object`).
 * Throws `HessianError` (kind `type`) with the JSON path when the value does not fit. `numberText` is the JSON
 * text of `json` when it is a number (`jsonNumberText(holder, key)`); numbers inside it are looked up the same way.
 */
export function toJava(
  json: unknown,
  javaType?: string | JavaType,
  options: ToJavaOptions = {},
  path = '$',
  numberText?: string | null,
): HessianInput {
  return new ToJava(options).convert(json, typeOf(javaType), path, 0, numberText);
}

const MAX_DEPTH = 128;

class ToJava {
  readonly #o: ToJavaOptions;

  constructor(o: ToJavaOptions) {
    this.#o = o;
  }

  fail(path: string, what: string, v: unknown): never {
    const shown =
      typeof v === 'string'
        ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
        : v === null
          ? 'null'
          : Array.isArray(v)
            ? 'an array'
            : typeof v;
    throw new HessianError(`${path}: expected ${what}, got ${shown}`, 'type');
  }

  convert(v: unknown, t: JavaType, path: string, depth: number, text?: string | null): HessianInput {
    if (depth > MAX_DEPTH) throw new HessianError(`${path}: nested deeper than ${MAX_DEPTH}`, 'type');
    if (v === undefined) v = null;
    // explicit override: {"$class": "...", "$": value}
    if (isPlainObject(v) && typeof v.$class === 'string' && '$' in v && Object.keys(v).length === 2) {
      if (this.#o.allowClass && !this.#o.allowClass(v.$class) && v.$class !== t.name)
        throw new HessianError(`${path}: class ${v.$class} not allowed`, 'type');
      return this.convert(v.$, typeOf(v.$class), path, depth + 1, jsonNumberText(v, '$'));
    }
    if (v === null) {
      if (!t.component && PRIMITIVE_NAMES.has(t.name)) this.fail(path, `a ${t.name} (primitives cannot be null)`, v);
      return null;
    }
    if (t.component) return this.array(v, t, path, depth);
    const name = t.name;
    const range = INT_RANGES[name];
    if (range) return { $class: 'int', $: this.integer(v, range, path, name) };
    switch (name) {
      case 'boolean':
      case 'java.lang.Boolean':
        if (typeof v === 'boolean') return v;
        if (v === 'true' || v === 'false') return v === 'true';
        return this.fail(path, 'a boolean', v);
      case 'long':
      case 'java.lang.Long':
        return { $class: 'long', $: this.long(v, path) };
      case 'double':
      case 'java.lang.Double':
      case 'float':
      case 'java.lang.Float':
        return { $class: 'double', $: this.double(v, path, name) };
      case 'char':
      case 'java.lang.Character':
        if (typeof v === 'string' && v.length === 1) return { $class: 'char', $: v };
        return this.fail(path, 'a one-character string', v);
      case 'java.lang.String':
      case 'java.lang.CharSequence':
        if (typeof v === 'string') return v;
        return this.fail(path, 'a string', v);
      case 'java.math.BigDecimal':
        return { $class: 'java.math.BigDecimal', $: { value: this.decimal(v, path, text) } };
      case 'java.math.BigInteger':
        return bigIntegerObject(this.bigint(v, path));
      case 'java.util.Date':
        return this.date(v, path);
      case 'java.time.LocalDate':
        return localDateHandle(this.time(v, path, 'an ISO date string', parseLocalDate));
      case 'java.time.LocalTime':
        return localTimeHandle(this.time(v, path, 'an ISO time string', parseLocalTime));
      case 'java.time.LocalDateTime': {
        const { date, time } = this.time(v, path, 'an ISO date-time string', parseLocalDateTime);
        return { $class: HANDLE.localDateTime, $: { time: localTimeHandle(time), date: localDateHandle(date) } };
      }
      case 'java.time.Instant': {
        const { seconds, nanos } = this.time(v, path, 'an ISO instant string', parseInstant);
        return { $class: HANDLE.instant, $: { seconds: { $class: 'long', $: seconds.toString() }, nanos: { $class: 'int', $: nanos } } };
      }
    }
    if (UNTYPED.has(name)) return this.untyped(v, path, depth);
    if (LIST_TYPES.has(name)) {
      if (!Array.isArray(v)) this.fail(path, `a JSON array for ${name}`, v);
      const et = t.args[0] ?? OBJECT_TYPE;
      return v.map((e, i) => this.convert(e, et, `${path}[${i}]`, depth + 1, jsonNumberText(v, i)));
    }
    const setType = SET_TYPES[name];
    if (setType) {
      if (!Array.isArray(v)) this.fail(path, `a JSON array for ${name}`, v);
      const et = t.args[0] ?? OBJECT_TYPE;
      return { $class: setType, $: v.map((e, i) => this.convert(e, et, `${path}[${i}]`, depth + 1, jsonNumberText(v, i))) };
    }
    const mapType = MAP_TYPES[name];
    if (mapType !== undefined) return this.map(v, t.args[0] ?? STRING_TYPE, t.args[1] ?? OBJECT_TYPE, mapType, path, depth);
    // a class: enum (string) or POJO (object)
    if (typeof v === 'string') return this.#o.generic ? v : { $class: name, $: { name: v } };
    if (isPlainObject(v)) return this.pojo(v, name, path, depth);
    return this.fail(path, `an object (or enum name) for ${name}`, v);
  }

  /** Parses a java.time text; a refusal names the path. */
  time<T>(v: unknown, path: string, what: string, parse: (text: string) => T): T {
    if (typeof v !== 'string') this.fail(path, what, v);
    try {
      return parse(v);
    } catch (err) {
      throw new HessianError(`${path}: ${(err as Error).message}`, 'type');
    }
  }

  integer(v: unknown, [min, max]: [number, number], path: string, name: string): number {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
      this.fail(path, `an integer in [${min}, ${max}] for ${name}`, v);
    return n;
  }

  long(v: unknown, path: string): number | string {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) this.fail(path, 'a long: integers beyond 2^53 must be sent as strings', v);
      return v;
    }
    if (typeof v === 'bigint') v = v.toString();
    if (typeof v === 'string' && /^-?\d{1,19}$/.test(v.trim())) {
      const b = BigInt(v.trim());
      if (b >= -(2n ** 63n) && b < 2n ** 63n) return Number.isSafeInteger(Number(b)) ? Number(b) : b.toString();
    }
    return this.fail(path, 'a long (number or decimal string)', v);
  }

  double(v: unknown, path: string, name: string): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const s = v.trim();
      if (s === 'NaN') return NaN;
      if (s === 'Infinity' || s === '+Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
      if (s !== '' && Number.isFinite(Number(s))) return Number(s);
    }
    return this.fail(path, `a number for ${name}`, v);
  }

  /** A BigDecimal keeps every digit of its JSON text: a number's own text when JSON.parse would have lost digits or scale. */
  decimal(v: unknown, path: string, text?: string | null): string {
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (text === null)
        this.fail(
          path,
          'a decimal string for java.math.BigDecimal ' +
            '(a bare JSON number as the whole body loses its digits: send ["19.90"], [19.90] or "19.90")',
          v,
        );
      return text ?? String(v);
    }
    if (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) return v.trim();
    return this.fail(path, 'a decimal (string or number) for java.math.BigDecimal', v);
  }

  bigint(v: unknown, path: string): bigint {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return BigInt(v.trim());
    return this.fail(path, 'an integer (string, or number within 2^53) for java.math.BigInteger', v);
  }

  date(v: unknown, path: string): HessianInput {
    let ms: bigint | undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) ms = BigInt(v);
    else if (typeof v === 'string' && /^[+-]?\d{4,9}-\d{2}-\d{2}/.test(v.trim())) {
      // without Z or an offset the text names no instant (JS would read it in the host's time zone)
      if (!INSTANT_OFFSET.test(v.trim()))
        this.fail(path, 'an ISO date-time with "Z" or an offset (2024-03-10T06:30:00Z, …+08:00) for java.util.Date', v);
      // parsed exactly (JS Date would roll 2024-02-30 over to March 1); java.util.Date keeps milliseconds, like Date.from(Instant)
      const instant = this.time(v.trim(), path, 'an ISO date-time string', parseInstant);
      ms = instant.seconds * 1000n + BigInt(Math.floor(instant.nanos / 1_000_000));
    }
    if (ms === undefined) return this.fail(path, 'an ISO date-time string or epoch milliseconds for java.util.Date', v);
    if (ms > MAX_LONG || ms < MIN_LONG) return this.fail(path, 'a date within java.util.Date\'s range (±292 million years)', v);
    // beyond JS Date's range (new Date(Long.MAX_VALUE), "never expires"): the exact milliseconds, written by encodeHessian
    return ms > MAX_JS_DATE || ms < -MAX_JS_DATE ? { $class: 'java.util.Date', $: ms } : new Date(Number(ms));
  }

  array(v: unknown, t: JavaType, path: string, depth: number): HessianInput {
    const c = t.component!;
    if (!c.component && c.name === 'byte') {
      if (typeof v === 'string') {
        if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) this.fail(path, 'base64 for byte[]', v);
        return Buffer.from(v, 'base64');
      }
      if (Array.isArray(v)) return Buffer.from(v.map((e, i) => this.integer(e, [-128, 255], `${path}[${i}]`, 'byte') & 0xff));
      return this.fail(path, 'base64 for byte[]', v);
    }
    if (!c.component && c.name === 'char') {
      if (typeof v === 'string') return { $class: 'char[]', $: v };
      return this.fail(path, 'a string for char[]', v);
    }
    if (!Array.isArray(v)) return this.fail(path, `a JSON array for ${c.name}[]`, v);
    return { $class: hessianArrayType(c), $: v.map((e, i) => this.convert(e, c, `${path}[${i}]`, depth + 1, jsonNumberText(v, i))) };
  }

  map(v: unknown, kt: JavaType, vt: JavaType, wireType: string, path: string, depth: number): HessianInput {
    if (!isPlainObject(v)) return this.fail(path, 'a JSON object for a map', v);
    const m = new Map<unknown, unknown>();
    for (const [k, val] of Object.entries(v)) {
      const key = kt.name === 'java.lang.String' || UNTYPED.has(kt.name) ? k : this.convert(k, kt, `${path}.<key ${k}>`, depth + 1);
      m.set(key, this.convert(val, vt, `${path}.${k}`, depth + 1, jsonNumberText(v, k)));
    }
    return { $class: wireType || 'java.util.HashMap', $: m };
  }

  pojo(v: Record<string, unknown>, declared: string, path: string, depth: number): HessianInput {
    let cls = declared;
    if (typeof v.$class === 'string' && v.$class !== declared) {
      if (this.#o.allowClass && !this.#o.allowClass(v.$class)) throw new HessianError(`${path}: class ${v.$class} not allowed`, 'type');
      cls = v.$class;
    }
    const fieldTypes = this.#o.classes?.[cls];
    if (this.#o.generic) {
      const m = new Map<unknown, unknown>();
      for (const [k, val] of Object.entries(v)) {
        if (k === '$class') continue;
        m.set(
          k,
          this.convert(
            val,
            fieldTypes?.[k] !== undefined ? typeOf(fieldTypes[k]) : OBJECT_TYPE,
            `${path}.${k}`,
            depth + 1,
            jsonNumberText(v, k),
          ),
        );
      }
      if (typeof v.$class === 'string' || this.#o.classKey) m.set('class', cls);
      return { $class: 'java.util.HashMap', $: m };
    }
    const fields: Record<string, unknown> = {};
    if (fieldTypes) for (const k of Object.keys(fieldTypes)) fields[k] = null;
    for (const [k, val] of Object.entries(v)) {
      if (k === '$class') continue;
      if (k === '__proto__') throw new HessianError(`${path}: key "__proto__" refused`, 'type');
      fields[k] = this.convert(
        val,
        fieldTypes?.[k] !== undefined ? typeOf(fieldTypes[k]) : OBJECT_TYPE,
        `${path}.${k}`,
        depth + 1,
        jsonNumberText(v, k),
      );
    }
    return { $class: cls, $: fields };
  }

  /** Best effort for `Object`: the JSON shape picks the Java type. */
  untyped(v: unknown, path: string, depth: number): HessianInput {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'bigint':
        return { $class: 'long', $: v.toString() };
      case 'number':
        if (Number.isInteger(v)) {
          if (v >= -2147483648 && v <= 2147483647) return { $class: 'int', $: v };
          if (Number.isSafeInteger(v)) return { $class: 'long', $: v };
        }
        return { $class: 'double', $: v };
    }
    if (Array.isArray(v)) return v.map((e, i) => this.convert(e, OBJECT_TYPE, `${path}[${i}]`, depth + 1, jsonNumberText(v, i)));
    if (isPlainObject(v)) {
      if (typeof v.$class === 'string') {
        if (this.#o.allowClass && !this.#o.allowClass(v.$class)) throw new HessianError(`${path}: class ${v.$class} not allowed`, 'type');
        return this.convert(v, typeOf(v.$class), path, depth + 1);
      }
      return this.map(v, STRING_TYPE, OBJECT_TYPE, '', path, depth);
    }
    return this.fail(path, 'a JSON value', v);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

// java.time handles: fields in the order hessian-lite writes them (captured from Java: day, month, year /
// nano, second, minute, hour / time, date), so Ferry's bytes equal Java's.
function localDateHandle(d: { year: number; month: number; day: number }): HessianInput {
  return {
    $class: HANDLE.localDate,
    $: { day: { $class: 'int', $: d.day }, month: { $class: 'int', $: d.month }, year: { $class: 'int', $: d.year } },
  };
}

function localTimeHandle(t: { hour: number; minute: number; second: number; nano: number }): HessianInput {
  return {
    $class: HANDLE.localTime,
    $: {
      nano: { $class: 'int', $: t.nano },
      second: { $class: 'int', $: t.second },
      minute: { $class: 'int', $: t.minute },
      hour: { $class: 'int', $: t.hour },
    },
  };
}

/** `java.math.BigInteger` as hessian-lite's field serializer writes it: `signum` and big-endian 32-bit `mag` words. */
function bigIntegerObject(b: bigint): HessianInput {
  const signum = b === 0n ? 0 : b < 0n ? -1 : 1;
  let abs = b < 0n ? -b : b;
  const mag: number[] = [];
  while (abs > 0n) {
    mag.unshift(Number(abs & 0xffffffffn) | 0);
    abs >>= 32n;
  }
  return {
    $class: 'java.math.BigInteger',
    $: { signum: { $class: 'int', $: signum }, mag: { $class: '[int', $: mag.map((w) => ({ $class: 'int', $: w })) } },
  };
}

// ----------------------------------------------------------------------------------- Java → JSON

/**
 * Converts a decoded value (from `HessianDecoder`) into JSON, guided by the declared Java type when known.
 * Throws `HessianError` on cycles or when the output would exceed `maxNodes`.
 */
export function fromJava(value: JavaValue | unknown, javaType?: string | JavaType, options: FromJavaOptions = {}): unknown {
  return new FromJava(options).convert(value, javaType === undefined ? undefined : typeOf(javaType));
}

class FromJava {
  #nodes = 0;
  readonly #stack = new Set<object>();
  readonly #max: number;
  readonly #o: FromJavaOptions;

  constructor(o: FromJavaOptions) {
    this.#o = o;
    this.#max = o.maxNodes ?? 1_000_000;
  }

  convert(v: unknown, t: JavaType | undefined): unknown {
    if (++this.#nodes > this.#max) throw new HessianError(`result larger than ${this.#max} nodes`, 'limit');
    if (v === null || v === undefined) return null;
    switch (typeof v) {
      case 'boolean':
      case 'string':
        return v;
      case 'bigint':
        return v.toString();
      case 'number':
        if (!Number.isFinite(v)) return String(v);
        if (t && (t.name === 'float' || t.name === 'java.lang.Float')) return shortestFloat(v);
        if (t && (t.name === 'char' || t.name === 'java.lang.Character')) return String.fromCharCode(v);
        return v;
    }
    if (v instanceof Date) {
      const ms = v.getTime();
      return ms >= YEAR_0 && ms < YEAR_10000 ? v.toISOString() : formatDateMillis(BigInt(ms));
    }
    if (v instanceof WideDate) return formatDateMillis(v.epochMillis);
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (this.#stack.has(v as object)) throw new HessianError('cyclic value cannot become JSON', 'limit');
    this.#stack.add(v as object);
    try {
      if (Array.isArray(v)) {
        const et = t?.component ?? t?.args[0];
        return v.map((e) => this.convert(e, et));
      }
      if (v instanceof Map) {
        if (this.#o.generic && !(t && MAP_TYPES[t.name] !== undefined)) {
          const cls = v.get('class');
          if (typeof cls === 'string' && JAVA_CLASS_NAME.test(cls)) return this.generalized(v, cls, t);
        }
        // a map where the declared type is a class: what generic callers send (PojoUtils.generalize turns an
        // Instant into {epochSecond, nano}, a POJO into a map): the declared type says what it is
        if (t && !t.component && t.name === 'java.time.Instant' && v.has('epochSecond')) return this.generalized(v, t.name, t);
        if (t && !t.component && MAP_TYPES[t.name] === undefined && this.#o.classes?.[t.name]) {
          const cls = v.get('class');
          return this.generalized(v, typeof cls === 'string' && JAVA_CLASS_NAME.test(cls) ? cls : t.name, t);
        }
        const vt = t?.args[1];
        const out: Record<string, unknown> = Object.create(null);
        for (const [k, val] of v) {
          const key = this.key(k);
          if (key === '__proto__') throw new HessianError('map key "__proto__" refused', 'forbidden');
          out[key] = this.convert(val, vt);
        }
        return out;
      }
      if (v instanceof JavaObject) return this.object(v, t);
      throw new HessianError('not a decoded Hessian value', 'type');
    } finally {
      this.#stack.delete(v as object);
    }
  }

  key(k: unknown): string {
    if (typeof k === 'string') return k;
    if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
    if (k === null || k === undefined) return 'null';
    const c = this.convert(k, undefined);
    return typeof c === 'string' ? c : JSON.stringify(c);
  }

  /** A POJO as `PojoUtils.generalize` sends it to generic callers: a map with a `class` entry. */
  generalized(m: Map<unknown, unknown>, cls: string, t: JavaType | undefined): unknown {
    if (cls === 'java.time.Instant' && m.has('epochSecond')) {
      const s = m.get('epochSecond');
      return formatInstant(typeof s === 'bigint' ? s : BigInt(num(s)), num(m.get('nano')));
    }
    const fieldTypes = this.#o.classes?.[cls] ?? (t && this.#o.classes?.[t.name]);
    const out: Record<string, unknown> = Object.create(null);
    if (this.#o.includeClass) out.$class = cls;
    const keys = [...m.keys()].map((k) => this.key(k)).filter((k) => k !== 'class');
    const ordered = fieldTypes
      ? [...Object.keys(fieldTypes).filter((k) => keys.includes(k)), ...keys.filter((k) => !(k in fieldTypes))]
      : keys;
    for (const k of ordered) {
      if (k === '__proto__') throw new HessianError('map key "__proto__" refused', 'forbidden');
      out[k] = this.convert(m.get(k), fieldTypes?.[k] !== undefined ? typeOf(fieldTypes[k]) : undefined);
    }
    return out;
  }

  object(o: JavaObject, t: JavaType | undefined): unknown {
    const f = o.fields;
    switch (o.className) {
      case 'java.math.BigDecimal':
        return typeof f.value === 'string' ? f.value : null;
      case 'java.math.BigInteger':
        return bigIntegerFromFields(f);
      case HANDLE.localDate:
        return localDateText(o);
      case HANDLE.localTime:
        return localTimeText(o);
      case HANDLE.localDateTime: {
        if (f.date === null && f.time === null) return null;
        return `${localDateText(handlePart(f.date, HANDLE.localDate, o))}T${localTimeText(handlePart(f.time, HANDLE.localTime, o))}`;
      }
      case HANDLE.instant:
        return formatInstant(typeof f.seconds === 'bigint' ? f.seconds : BigInt(num(f.seconds)), num(f.nanos));
      // hessian-lite's optional "bit encoding" (-Dcom.caucho.hessian.io.java.time.serializer.useBitEncoding=true)
      case 'java.time.LocalDate':
        if (typeof f.epochDay === 'number') {
          const c = civilFromDays(f.epochDay);
          return formatLocalDate(c.year, c.month, c.day);
        }
        break;
      case 'java.time.LocalDateTime':
        if (typeof f.date === 'number' && (typeof f.time === 'number' || typeof f.time === 'bigint')) {
          const c = civilFromDays(f.date);
          const nod = BigInt(f.time);
          const secs = Number(nod / 1_000_000_000n);
          const time = formatLocalTime(Math.floor(secs / 3600), Math.floor((secs % 3600) / 60), secs % 60, Number(nod % 1_000_000_000n));
          return `${formatLocalDate(c.year, c.month, c.day)}T${time}`;
        }
        break;
    }
    if (isThrowableObject(o)) return decodeException(o, (x) => this.convert(x, undefined));
    const keys = Object.keys(f);
    // enums: hessian-lite writes a one-field object {name}; a POJO with a single String `name` field looks the same
    if (keys.length === 1 && keys[0] === 'name' && typeof f.name === 'string') return f.name;
    const fieldTypes = this.#o.classes?.[o.className] ?? (t && this.#o.classes?.[t.name]);
    const out: Record<string, unknown> = Object.create(null);
    if (this.#o.includeClass) out.$class = o.className;
    // Java writes fields in its own order (hessian-lite: reverse declaration order); declared classes give the JSON order
    const ordered = fieldTypes ? [...Object.keys(fieldTypes).filter((k) => k in f), ...keys.filter((k) => !(k in fieldTypes))] : keys;
    for (const k of ordered) out[k] = this.convert(f[k], fieldTypes?.[k] !== undefined ? typeOf(fieldTypes[k]) : undefined);
    return out;
  }
}

/** toISOString() prints years 0–9999 as Java does; outside them it uses six-digit years, Java does not. */
const YEAR_0 = -62167219200000;
const YEAR_10000 = 253402300800000;

function localDateText(o: JavaObject): string {
  return formatLocalDate(handleInt(o, 'year'), handleInt(o, 'month'), handleInt(o, 'day'));
}

function localTimeText(o: JavaObject): string {
  return formatLocalTime(handleInt(o, 'hour'), handleInt(o, 'minute'), handleInt(o, 'second'), handleInt(o, 'nano'));
}

/** The date or time half of a LocalDateTimeHandle: hessian-lite always writes it as its own handle object. */
function handlePart(v: unknown, cls: string, owner: JavaObject): JavaObject {
  if (v instanceof JavaObject && v.className === cls) return v;
  throw new HessianError(
    `${owner.className}: expected a ${cls}, got ` +
      `${v instanceof JavaObject ? v.className : v instanceof Map ? 'a map' : v === null ? 'null' : typeof v}`,
    'malformed',
  );
}

/** A java.time handle's int field; a missing or non-integer one is a malformed value, never a silent 0. */
function handleInt(o: JavaObject, field: string): number {
  const v = o.fields[field];
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  throw new HessianError(`${o.className}.${field}: expected an int`, 'malformed');
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

function bigIntegerFromFields(f: Record<string, unknown>): string | null {
  const signum = num(f.signum);
  const mag = f.mag;
  if (!Array.isArray(mag)) return null;
  let b = 0n;
  for (const w of mag) b = (b << 32n) | BigInt(num(w) >>> 0);
  return (signum < 0 ? -b : b).toString();
}

/** The shortest decimal that reads back as the same 32-bit float (what Java's `Float.toString` shows). */
function shortestFloat(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

/** Days-from-civil is exported for tests of the time helpers. */
export { daysFromCivil };
