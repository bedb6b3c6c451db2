/**
 * Java type names as Ferry's config writes them, and JVM descriptors as Dubbo puts them on the wire.
 *
 * Accepted spellings: `long`, `java.lang.Long`, `com.example.User`, `int[]`, `com.example.User[][]`,
 * `java.util.List<com.example.User>`, `java.util.Map<java.lang.String, java.lang.Long>`, JVM binary names
 * (`[I`, `[Ljava.lang.String;`), and common short forms (`String`, `Long`, `Integer`, `Object`, `List`, `Map`…).
 */
import { HessianError } from './model.js';

/** A parsed Java type: a class/primitive name with optional generic arguments, or an array of a component. */
export interface JavaType {
  /** Fully qualified name (`long`, `java.lang.String`, `com.example.User`), or `[]` for arrays. */
  name: string;
  args: JavaType[];
  /** Set for arrays. */
  component?: JavaType;
}

export const PRIMITIVES: Readonly<Record<string, string>> = {
  boolean: 'Z',
  byte: 'B',
  char: 'C',
  short: 'S',
  int: 'I',
  long: 'J',
  float: 'F',
  double: 'D',
  void: 'V',
};
const FROM_DESC: Record<string, string> = Object.fromEntries(Object.entries(PRIMITIVES).map(([k, v]) => [v, k]));

const SHORT_NAMES: Record<string, string> = {
  String: 'java.lang.String',
  Object: 'java.lang.Object',
  Boolean: 'java.lang.Boolean',
  Byte: 'java.lang.Byte',
  Character: 'java.lang.Character',
  Short: 'java.lang.Short',
  Integer: 'java.lang.Integer',
  Long: 'java.lang.Long',
  Float: 'java.lang.Float',
  Double: 'java.lang.Double',
  Number: 'java.lang.Number',
  BigDecimal: 'java.math.BigDecimal',
  BigInteger: 'java.math.BigInteger',
  Date: 'java.util.Date',
  List: 'java.util.List',
  ArrayList: 'java.util.ArrayList',
  Collection: 'java.util.Collection',
  Set: 'java.util.Set',
  HashSet: 'java.util.HashSet',
  Map: 'java.util.Map',
  HashMap: 'java.util.HashMap',
  LocalDate: 'java.time.LocalDate',
  LocalTime: 'java.time.LocalTime',
  LocalDateTime: 'java.time.LocalDateTime',
  Instant: 'java.time.Instant',
};

/** Parses a Java type name (see module doc). Throws `HessianError` (kind `type`) on nonsense. */
export function parseJavaType(text: string): JavaType {
  const src = text.trim();
  let pos = 0;
  const fail = (): never => {
    throw new HessianError(`not a Java type: "${text}"`, 'type');
  };
  const ws = () => {
    while (src[pos] === ' ') pos++;
  };
  const one = (): JavaType => {
    ws();
    if (src[pos] === '[') {
      // JVM binary array name: [I, [[J, [Ljava.lang.String;
      let dims = 0;
      while (src[pos] === '[') {
        dims++;
        pos++;
      }
      let base: JavaType;
      if (src[pos] === 'L') {
        const end = src.indexOf(';', pos);
        if (end < 0) fail();
        base = { name: src.slice(pos + 1, end).replace(/\//g, '.'), args: [] };
        pos = end + 1;
      } else {
        const prim = FROM_DESC[src[pos] ?? ''];
        if (!prim || prim === 'void') fail();
        base = { name: prim!, args: [] };
        pos++;
      }
      for (let i = 0; i < dims; i++) base = { name: '[]', args: [], component: base };
      return base;
    }
    const m = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/.exec(src.slice(pos));
    if (!m) return fail();
    pos += m[0].length;
    let t: JavaType = { name: SHORT_NAMES[m[0]] ?? m[0], args: [] };
    ws();
    if (src[pos] === '<') {
      pos++;
      for (;;) {
        ws();
        if (src[pos] === '?') {
          // wildcard: `? extends X` → X, bare `?` → Object
          pos++;
          ws();
          if (src.startsWith('extends', pos) || src.startsWith('super', pos)) {
            pos += src.startsWith('extends', pos) ? 7 : 5;
            t.args.push(one());
          } else t.args.push({ name: 'java.lang.Object', args: [] });
        } else t.args.push(one());
        ws();
        if (src[pos] === ',') {
          pos++;
          continue;
        }
        if (src[pos] === '>') {
          pos++;
          break;
        }
        fail();
      }
    }
    ws();
    while (src.startsWith('[]', pos)) {
      pos += 2;
      t = { name: '[]', args: [], component: t };
      ws();
    }
    return t;
  };
  const t = one();
  ws();
  if (pos !== src.length) fail();
  return t;
}

/** The erased Java name of a type, as Dubbo's generic `$invoke` wants it: `long`, `com.example.User`, `[I`, `[Ljava.lang.String;`. */
export function erasedName(t: JavaType): string {
  if (!t.component) return t.name;
  const c = t.component;
  if (c.component) return `[${erasedName(c)}`;
  const prim = PRIMITIVES[c.name];
  return prim ? `[${prim}` : `[L${c.name};`;
}

/** The JVM descriptor of a type: `J`, `Ljava/lang/String;`, `[B`, `[Lcom/example/User;`. */
export function descriptorOf(t: JavaType): string {
  if (t.component) return `[${descriptorOf(t.component)}`;
  const prim = PRIMITIVES[t.name];
  if (prim) return prim;
  return `L${t.name.replace(/\./g, '/')};`;
}

/** Concatenated descriptor of a parameter list (Dubbo's `parameterTypesDesc`). */
export function parameterDescriptor(types: readonly (string | JavaType)[]): string {
  return types.map((t) => descriptorOf(typeof t === 'string' ? parseJavaType(t) : t)).join('');
}

/** Splits a `parameterTypesDesc` into single descriptors: `Ljava/lang/String;J[B` → [`Ljava/lang/String;`, `J`, `[B`]. */
export function splitDescriptor(desc: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < desc.length) {
    const start = i;
    while (desc[i] === '[') i++;
    const c = desc[i];
    if (c === 'L') {
      const end = desc.indexOf(';', i);
      if (end < 0) throw new HessianError(`bad descriptor "${desc}"`, 'malformed');
      i = end + 1;
    } else if (c && FROM_DESC[c] && c !== 'V') {
      i++;
    } else {
      throw new HessianError(`bad descriptor "${desc}"`, 'malformed');
    }
    out.push(desc.slice(start, i));
  }
  return out;
}

/** Parses one JVM descriptor into a JavaType (`J` → long, `[Ljava/lang/String;` → String[]). */
export function typeFromDescriptor(desc: string): JavaType {
  return parseJavaType(
    desc.startsWith('[')
      ? desc.replace(/\//g, '.')
      : desc.length === 1
        ? (FROM_DESC[desc] ?? fail(desc))
        : desc.startsWith('L') && desc.endsWith(';')
          ? desc.slice(1, -1).replace(/\//g, '.')
          : fail(desc),
  );
}

function fail(desc: string): never {
  throw new HessianError(`bad descriptor "${desc}"`, 'malformed');
}

/** Writes a JavaType back in source form (`java.util.List<com.example.User>`, `int[]`). */
export function formatJavaType(t: JavaType): string {
  if (t.component) return `${formatJavaType(t.component)}[]`;
  return t.args.length ? `${t.name}<${t.args.map(formatJavaType).join(',')}>` : t.name;
}
