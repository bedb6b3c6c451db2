/**
 * A typed call's arguments against the declared parameter types, as a Java provider reads them: Hessian2Input
 * coerces between scalars (a long parameter takes an int, a double — truncated — or a boolean as 1/0; a String takes
 * any scalar as its text) and refuses the rest (a long given a string, a POJO given a number, a List given a
 * string…); Java 3.3.6 then answers status 40 "Fail to decode request due to: RpcInvocation [methodName=…,
 * parameterTypes=null]". The app gets the coerced value, never one that contradicts the declaration.
 */
import { JavaObject, type JavaType, type JavaValue } from '../../hessian/index.js';

const INTEGRAL = new Set(['byte', 'short', 'int', 'long', 'java.lang.Byte', 'java.lang.Short', 'java.lang.Integer', 'java.lang.Long']);
const FLOATING = new Set(['float', 'double', 'java.lang.Float', 'java.lang.Double']);
const BOOLEAN = new Set(['boolean', 'java.lang.Boolean']);
const COLLECTION = /^java\.util\.(\w*(List|Set|Collection)|Queue|Deque)$/;
const MAP = /^java\.util\.\w*Map$/;

/** Thrown by `coerceArgument`: the value cannot be a value of that type. */
export class ArgumentMismatch extends Error {}

/** The value as Java would hand it to a method declaring `type` (scalars coerced), or ArgumentMismatch. */
export function coerceArgument(value: JavaValue, type: JavaType): JavaValue {
  if (value === null) return value;
  const { name } = type;
  const scalar = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
  if (INTEGRAL.has(name)) {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'bigint') return value;
    throw mismatch(type, value);
  }
  if (FLOATING.has(name)) {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    throw mismatch(type, value);
  }
  if (BOOLEAN.has(name)) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'bigint') return value !== 0n;
    throw mismatch(type, value);
  }
  if (name === 'java.lang.String') {
    if (typeof value === 'string') return value;
    if (scalar) return String(value);
    if (Array.isArray(value) || value instanceof Map || value instanceof JavaObject || Buffer.isBuffer(value)) throw mismatch(type, value);
    return value;
  }
  if (type.component) {
    if (Array.isArray(value) || (Buffer.isBuffer(value) && type.component.name === 'byte')) return value;
    throw mismatch(type, value);
  }
  if (COLLECTION.test(name)) {
    if (Array.isArray(value)) return value;
    throw mismatch(type, value);
  }
  if (MAP.test(name)) {
    if (value instanceof Map || value instanceof JavaObject) return value;
    throw mismatch(type, value);
  }
  if (!name.startsWith('java.') && !name.startsWith('javax.') && name.includes('.')) {
    // an application class (POJO, enum): Hessian reads it from an object or a map only
    if (value instanceof Map || value instanceof JavaObject) return value;
    throw mismatch(type, value);
  }
  return value; // java.lang.Object, Number, BigDecimal, dates, java.time…: their own decoding checks them
}

function mismatch(type: JavaType, value: JavaValue): ArgumentMismatch {
  return new ArgumentMismatch(`expected ${typeText(type)}, got ${kindOf(value)}`);
}

function typeText(type: JavaType): string {
  return type.component ? `${typeText(type.component)}[]` : type.name;
}

function kindOf(value: JavaValue): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Map) return 'a map';
  if (value instanceof JavaObject) return `an object of ${value.className}`;
  if (Buffer.isBuffer(value)) return 'bytes';
  if (value instanceof Date) return 'a date';
  return `a ${typeof value === 'bigint' ? 'long' : typeof value}`;
}
