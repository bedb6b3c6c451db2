/**
 * The table of exposed services and methods (from `inbound.dubbo.services`), and how an incoming call finds
 * its entry: services by `group/interface:version`, typed calls by name and exact JVM descriptor, generic
 * `$invoke` calls by name and Java type names.
 */
import type { InboundMethodConfig, InboundServiceConfig } from './schema.js';
import { descriptorOf, parseJavaType, PRIMITIVES, type JavaType } from '../../hessian/java-types.js';

export interface MethodEntry {
  /** The config key (`find` or `find(long)`). */
  key: string;
  name: string;
  config: InboundMethodConfig;
  /** Declared parameter types (from the key or `parameterTypes`); absent = any signature. */
  parameterTypes?: JavaType[];
  /** JVM descriptor of `parameterTypes`. */
  descriptor?: string;
  returns: JavaType;
  httpMethod: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template; `{n}` placeholders take argument n. */
  path: string;
}

export interface ServiceEntry {
  config: InboundServiceConfig;
  /** `group/interface:version` (empty group / version when none). */
  key: string;
  methods: Map<string, MethodEntry[]>;
}

/** The method name of a config key: `find(long)` → `find`. */
export function methodName(key: string): string {
  const i = key.indexOf('(');
  return (i < 0 ? key : key.slice(0, i)).trim();
}

/** Splits `a, java.util.Map<K,V>, int` at top-level commas. */
export function splitTypeList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      const part = text.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  return out;
}

/** Dubbo's service key: an absent version and "0.0.0" are the same (Java consumers send "0.0.0"). */
export function serviceKey(iface: string, version?: string | null, group?: string | null): string {
  const v = version && version !== '0.0.0' ? version : '';
  return `${group ?? ''}/${iface}:${v}`;
}

/** Builds the lookup table; throws Error on a Java type that does not parse. */
export function buildServiceTable(services: readonly InboundServiceConfig[]): Map<string, ServiceEntry> {
  const table = new Map<string, ServiceEntry>();
  for (const svc of services) {
    const key = serviceKey(svc.interface, svc.version, svc.group);
    if (table.has(key)) throw new Error(`inbound.dubbo.services: ${key} is listed twice`);
    const methods = new Map<string, MethodEntry[]>();
    for (const [k, m] of Object.entries(svc.methods)) {
      const name = methodName(k);
      const sig = /\((.*)\)\s*$/.exec(k);
      const typeNames = sig ? splitTypeList(sig[1]!) : m.parameterTypes;
      const where = `inbound.dubbo.services[${svc.interface}].methods.${k}`;
      const parse = (t: string) => {
        try {
          return parseJavaType(t);
        } catch (err) {
          throw new Error(`${where}: ${(err as Error).message}`);
        }
      };
      const parameterTypes = typeNames?.map(parse);
      const [verb, path] = m.http.split(' ', 2) as [MethodEntry['httpMethod'], string];
      const entry: MethodEntry = {
        key: k,
        name,
        config: m,
        returns: parse(m.returns),
        httpMethod: verb,
        path,
        ...(parameterTypes ? { parameterTypes, descriptor: parameterTypes.map(descriptorOf).join('') } : {}),
      };
      const list = methods.get(name) ?? [];
      if (list.some((e) => e.descriptor === entry.descriptor)) throw new Error(`${where}: the same signature is configured twice`);
      list.push(entry);
      methods.set(name, list);
    }
    table.set(key, { config: svc, key, methods });
  }
  return table;
}

/** The entry for a typed call: the exact descriptor, else the one entry of that name without declared types. */
export function findTyped(service: ServiceEntry, name: string, descriptor: string): MethodEntry | undefined {
  const list = service.methods.get(name);
  if (!list) return undefined;
  return list.find((e) => e.descriptor === descriptor) ?? list.find((e) => e.descriptor === undefined);
}

/**
 * The entry for a generic call: by descriptor of the given type names; without type names (Java allows
 * null) only when the name is not overloaded.
 */
export function findGeneric(service: ServiceEntry, name: string, typeNames: readonly string[] | null): MethodEntry | undefined {
  const list = service.methods.get(name);
  if (!list) return undefined;
  if (typeNames === null) return list.length === 1 ? list[0] : undefined;
  let descriptor: string;
  try {
    descriptor = typeNames.map((t) => descriptorOf(parseJavaType(t))).join('');
  } catch {
    return undefined;
  }
  return list.find((e) => e.descriptor === descriptor) ?? list.find((e) => e.descriptor === undefined);
}

/** A class the app defines (a POJO or enum): not a primitive, array, or `java.*` / `javax.*` type. */
export function isApplicationClass(t: JavaType): boolean {
  if (t.component || PRIMITIVES[t.name]) return false;
  return !/^(java|javax|jakarta)\./.test(t.name);
}

/** Whether the JSON body is the single argument itself rather than the array of arguments. */
export function singleBody(method: MethodEntry, argTypes: readonly JavaType[]): boolean {
  if (method.config.body === 'single') return argTypes.length >= 1;
  if (method.config.body === 'array') return false;
  return argTypes.length === 1 && isApplicationClass(argTypes[0]!);
}
