/**
 * Java exceptions on the Hessian wire: decoding a provider's Throwable into a small JSON structure, and
 * encoding a Throwable a Java consumer accepts (`readThrowable` refuses anything that is not a Throwable).
 */
import { JavaObject, type JavaValue } from './model.js';
import type { HessianInput } from './convert.js';

/** A Java exception as Ferry reports it. `fields` holds the exception's own extra fields as JSON. */
export interface JavaException {
  exceptionClass: string;
  message: string | null;
  fields: Record<string, unknown>;
}

/** Fields every Throwable has; not repeated in `fields`. */
const THROWABLE_FIELDS = new Set(['detailMessage', 'cause', 'stackTrace', 'suppressedExceptions', 'depth', 'backtrace']);
const GENERIC_EXCEPTIONS = new Set(['org.apache.dubbo.rpc.service.GenericException', 'com.alibaba.dubbo.rpc.service.GenericException']);

/** True for a decoded object that looks like a java.lang.Throwable (by name, or by its Throwable fields). */
export function isThrowableObject(v: unknown): boolean {
  if (!(v instanceof JavaObject)) return false;
  if (/(Exception|Error|Throwable)$/.test(v.className)) return true;
  return 'detailMessage' in v.fields && 'stackTrace' in v.fields;
}

/**
 * Turns a decoded Throwable into `{ exceptionClass, message, fields }`. Dubbo's `GenericException` (what a
 * provider returns to generic `$invoke` calls) is unwrapped to the original class and message it carries.
 * `toJson` converts the extra fields (pass `fromJava`).
 */
export function decodeException(value: JavaValue | unknown, toJson: (v: unknown) => unknown): JavaException {
  if (!(value instanceof JavaObject)) {
    // not an object: some providers (e.g. dubbo-js) write a bare string
    return {
      exceptionClass: 'java.lang.RuntimeException',
      message: value === null || value === undefined ? null : bareMessage(value, toJson),
      fields: {},
    };
  }
  const f = value.fields;
  let exceptionClass = value.className;
  let message = typeof f.detailMessage === 'string' ? f.detailMessage : null;
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(f)) {
    if (THROWABLE_FIELDS.has(k)) continue;
    fields[k] = toJson(f[k]);
  }
  if (GENERIC_EXCEPTIONS.has(exceptionClass) && typeof f.exceptionClass === 'string') {
    exceptionClass = f.exceptionClass;
    if (typeof f.exceptionMessage === 'string') message = f.exceptionMessage;
    delete fields.exceptionClass;
    delete fields.exceptionMessage;
  }
  // no message of its own: use the cause's (Java's `Throwable(Throwable cause)` does the same)
  if (message === null && f.cause instanceof JavaObject && f.cause !== value && typeof f.cause.fields.detailMessage === 'string') {
    message = `${f.cause.className}: ${f.cause.fields.detailMessage}`;
  }
  return { exceptionClass, message, fields };
}

/** A bare non-object "exception" as text: converted values may be null-prototype objects, which `String()` refuses. */
function bareMessage(value: unknown, toJson: (v: unknown) => unknown): string {
  if (typeof value === 'string') return value;
  const json = toJson(value);
  return typeof json === 'string' ? json : (JSON.stringify(json) ?? String(json));
}

/**
 * A Throwable for hessian.js to write (provider side). Field order follows hessian-lite's serializer for
 * Throwable subclasses: own fields first, then Throwable's `detailMessage, cause, stackTrace, suppressedExceptions`.
 * An empty stack trace and an explicit null cause keep the Java consumer from seeing null internals.
 */
export function encodeException(exception: {
  className?: string;
  message?: string | null;
  fields?: Record<string, HessianInput>;
}): HessianInput {
  const $: Record<string, unknown> = { ...(exception.fields ?? {}) };
  $.detailMessage = exception.message ?? null;
  $.cause = null;
  $.stackTrace = { $class: '[java.lang.StackTraceElement', $: [] };
  $.suppressedExceptions = [];
  return { $class: exception.className ?? 'java.lang.RuntimeException', $ };
}
