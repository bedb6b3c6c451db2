/**
 * The in-memory model of decoded Hessian 2 values (what `HessianDecoder` produces and `fromJava` consumes).
 *
 *   null → null, boolean → boolean, int/double → number, long → number when |v| ≤ 2^53−1 else bigint,
 *   date → Date (WideDate beyond JS Date's range), string → string, binary → Buffer, list → Array (typed lists carry their
 *   Hessian type under `JAVA_TYPE`), map → Map (typed maps carry `JAVA_TYPE`), object (class-def instance) → JavaObject.
 *
 * Nothing here has a prototype that data can reach: object fields live in null-prototype records and
 * `__proto__` is refused by the decoder.
 */

/** Hessian type name of a typed list or map (e.g. `[int`, `java.util.HashSet`, `java.util.LinkedHashMap`). */
export const JAVA_TYPE: unique symbol = Symbol('ferry.javaType');

/** A decoded list; `[JAVA_TYPE]` is set when the wire carried a type. */
export type JavaList = unknown[] & { [JAVA_TYPE]?: string };
/** A decoded map; keys keep their decoded type (strings, numbers, bigints, objects…). */
export type JavaMap = Map<unknown, unknown> & { [JAVA_TYPE]?: string };

/** An instance of a Java class (a Hessian class-def object): POJO, enum, exception, BigDecimal, java.time handle… */
export class JavaObject {
  /** Field values in wire order; a null-prototype record. */
  readonly fields: Record<string, unknown>;
  constructor(
    readonly className: string,
    fields?: Record<string, unknown>,
  ) {
    this.fields = fields ?? (Object.create(null) as Record<string, unknown>);
  }
}

/**
 * A `java.util.Date` beyond JavaScript's Date range (±8.64e15 ms, about ±275 760 years), such as
 * `new Date(Long.MAX_VALUE)`, the usual "never expires": kept as exact epoch milliseconds.
 */
export class WideDate {
  constructor(readonly epochMillis: bigint) {}
}

/** Every value the decoder can produce. */
export type JavaValue = null | boolean | number | bigint | string | Date | WideDate | Buffer | JavaList | JavaMap | JavaObject;

/** Sets the Hessian type of a list/map (non-enumerable, invisible to JSON). */
export function withJavaType<T extends object>(value: T, type: string | undefined): T {
  if (type) Object.defineProperty(value, JAVA_TYPE, { value: type, enumerable: false, configurable: true, writable: true });
  return value;
}

export function javaTypeOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? (value as { [JAVA_TYPE]?: string })[JAVA_TYPE] : undefined;
}

/** Thrown for bytes that are not valid (or not acceptable) Hessian 2: the caller maps it to its own error. */
export class HessianError extends Error {
  constructor(
    message: string,
    /**
     * `malformed` (garbage, truncated), `limit` (a configured limit was hit), `forbidden` (e.g. a `__proto__` key),
     * `type` (value does not fit a declared Java type).
     */
    readonly kind: 'malformed' | 'limit' | 'forbidden' | 'type',
  ) {
    super(message);
    this.name = 'HessianError';
  }
}
