/**
 * A tiny schema language: each node parses a value, fills its default, and reports problems with the
 * path that has them (`services.orders.endpoints[0]: not a URL`). Hand-written rather than ajv so
 * that messages name paths the way a YAML author reads them and types are inferred from the schema.
 */

export interface Issue {
  path: string;
  message: string;
}

export interface Node<T> {
  parse(value: unknown, path: string, issues: Issue[]): T;
  /** A short description for the configuration reference. */
  readonly kind: string;
  readonly isOptional?: boolean;
}

export type Infer<N> = N extends Node<infer T> ? T : never;

const MISSING = undefined;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function str(check?: (v: string) => string | undefined): Node<string> {
  return {
    kind: 'string',
    parse(value, path, issues) {
      if (typeof value === 'number') value = String(value);
      if (typeof value !== 'string') {
        issues.push({ path, message: `expected a string, got ${typeName(value)}` });
        return '';
      }
      const problem = check?.(value);
      if (problem) issues.push({ path, message: problem });
      return value;
    },
  };
}

export function num(opts: { min?: number; max?: number; int?: boolean } = {}): Node<number> {
  return {
    kind: opts.int ? 'integer' : 'number',
    parse(value, path, issues) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n)) {
        issues.push({ path, message: `expected a number, got ${typeName(value)}` });
        return 0;
      }
      if (opts.int && !Number.isInteger(n)) issues.push({ path, message: `expected an integer, got ${n}` });
      if (opts.min !== undefined && n < opts.min) issues.push({ path, message: `must be >= ${opts.min}, got ${n}` });
      if (opts.max !== undefined && n > opts.max) issues.push({ path, message: `must be <= ${opts.max}, got ${n}` });
      return n;
    },
  };
}

export function bool(): Node<boolean> {
  return {
    kind: 'boolean',
    parse(value, path, issues) {
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (typeof value !== 'boolean') {
        issues.push({ path, message: `expected true or false, got ${typeName(value)}` });
        return false;
      }
      return value;
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[]): Node<V> {
  return {
    kind: values.join(' | '),
    parse(value, path, issues) {
      if (typeof value !== 'string' || !values.includes(value as V)) {
        issues.push({ path, message: `expected one of ${values.join(', ')}, got ${typeName(value)}` });
        return values[0]!;
      }
      return value as V;
    },
  };
}

export function list<T>(item: Node<T>, opts: { min?: number } = {}): Node<T[]> {
  return {
    kind: `list of ${item.kind}`,
    parse(value, path, issues) {
      if (typeof value === 'string') value = value.split(',').map((s) => s.trim()).filter(Boolean);
      if (!Array.isArray(value)) {
        issues.push({ path, message: `expected a list, got ${typeName(value)}` });
        return [];
      }
      if (opts.min !== undefined && value.length < opts.min) issues.push({ path, message: `needs at least ${opts.min} item(s)` });
      return value.map((v, i) => item.parse(v, join(path, i), issues));
    },
  };
}

export function dict<T>(item: Node<T>): Node<Record<string, T>> {
  return {
    kind: `map of ${item.kind}`,
    parse(value, path, issues) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ path, message: `expected a map, got ${typeName(value)}` });
        return {};
      }
      const out: Record<string, T> = {};
      for (const [k, v] of Object.entries(value)) out[k] = item.parse(v, join(path, k), issues);
      return out;
    },
  };
}

type Shape = Record<string, Node<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { isOptional: true } ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

export function obj<S extends Shape>(
  shape: S,
  check?: (v: ObjectOf<S>, path: string, issues: Issue[]) => void,
): Node<ObjectOf<S>> & { shape: S } {
  return {
    kind: 'map',
    shape,
    parse(value, path, issues) {
      if (value === MISSING || value === null) value = {};
      if (typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ path, message: `expected a map, got ${typeName(value)}` });
        value = {};
      }
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(input)) {
        if (!(key in shape)) issues.push({ path: join(path, key), message: `unknown option (known: ${Object.keys(shape).join(', ')})` });
      }
      for (const [key, node] of Object.entries(shape)) {
        const parsed = node.parse(input[key], join(path, key), issues);
        if (parsed !== undefined) out[key] = parsed;
      }
      const result = out as ObjectOf<S>;
      check?.(result, path, issues);
      return result;
    },
  };
}

/** A value with a default: the default is what the reference documents. */
export function dflt<T>(node: Node<T>, fallback: T): Node<T> & { fallback: T } {
  return {
    kind: node.kind,
    fallback,
    parse(value, path, issues) {
      if (value === undefined || value === null) return structuredClone(fallback);
      return node.parse(value, path, issues);
    },
  };
}

export function opt<T>(node: Node<T>): Node<T | undefined> & { isOptional: true } {
  return {
    kind: node.kind,
    isOptional: true,
    parse(value, path, issues) {
      if (value === undefined || value === null) return undefined;
      return node.parse(value, path, issues);
    },
  };
}

/** Parses a whole document; returns the value or the list of problems. */
export function validate<T>(node: Node<T>, value: unknown): { value: T; issues: Issue[] } {
  const issues: Issue[] = [];
  const parsed = node.parse(value, '', issues);
  return { value: parsed, issues };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A map whose `key` field picks its schema among `variants` (a service's `protocol`, a registry's `type`);
 * each variant is an `obj` that declares `key` itself. Without the key, `fallback` is used when given.
 */
export function union<T extends Record<string, unknown>>(
  key: string,
  variants: Readonly<Record<string, Node<T>>>,
  fallback?: string,
): Node<T> {
  const names = Object.keys(variants);
  return {
    kind: `map (${key}: ${names.join(' | ')})`,
    parse(value, path, issues) {
      const input = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
      const tag = input?.[key] ?? fallback;
      const variant = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(variants, tag) ? variants[tag] : undefined;
      if (variant) return variant.parse(input && input[key] === undefined ? { ...input, [key]: tag } : value, path, issues);
      if (!input) issues.push({ path, message: `expected a map, got ${typeName(value)}` });
      else issues.push({ path: join(path, key), message: `expected one of ${names.join(', ')}, got ${typeName(tag)}` });
      return variants[names[0]!]!.parse({ [key]: names[0] }, path, []);
    },
  };
}
