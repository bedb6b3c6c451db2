/**
 * Dubbo request and response BODIES (DubboCodec / DecodeableRpcInvocation / DecodeableRpcResult) as
 * sequences of Hessian 2 values, both directions: the consumer encodes requests and decodes responses, the
 * provider decodes requests and encodes responses.
 *
 * Request:  dubboVersion, path, version, method, parameterTypesDesc, args…, attachments (Map<String,Object>)
 * Response: flag (Hessian int), then value | throwable | nothing, then attachments for flags 3/4/5.
 * Non-OK status: the body is one Hessian string (the error message).
 */
import {
  HessianDecoder,
  HessianError,
  JavaObject,
  encodeHessian,
  splitDescriptor,
  toJava,
  type DecodeLimits,
  type HessianInput,
  type JavaValue,
  type ToJavaOptions,
  jsonNumberText,
} from '../hessian/index.js';
import { parseJavaType, type JavaType } from '../hessian/java-types.js';

/** What Java consumers send as the protocol version (`Version.DEFAULT_DUBBO_PROTOCOL_VERSION`). */
export const DUBBO_PROTOCOL_VERSION = '2.0.2';
/** Generic invocation: `$invoke(String method, String[] parameterTypes, Object[] args)`. */
export const GENERIC_METHOD = '$invoke';
export const GENERIC_ASYNC_METHOD = '$invokeAsync';
export const GENERIC_PARAMETER_DESC = 'Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;';
/** EchoService: `$echo(Object)`. */
export const ECHO_METHOD = '$echo';
export const ECHO_PARAMETER_DESC = 'Ljava/lang/Object;';

export const ResponseFlag = {
  WITH_EXCEPTION: 0,
  VALUE: 1,
  NULL_VALUE: 2,
  WITH_EXCEPTION_WITH_ATTACHMENTS: 3,
  VALUE_WITH_ATTACHMENTS: 4,
  NULL_VALUE_WITH_ATTACHMENTS: 5,
} as const;

/** A decoded or to-be-encoded request body. */
export interface DubboRequestBody {
  /** Protocol version, normally "2.0.2". */
  dubboVersion: string;
  /** Service path (the interface name). */
  path: string;
  /** Service version; Java sends "0.0.0" when there is none. */
  version: string;
  method: string;
  /** JVM descriptor of the parameter list, e.g. `Ljava/lang/String;J`. */
  parameterDesc: string;
  /** Encode: hessian.js-ready values (`toJava` output). Decode: decoded `JavaValue`s. */
  args: unknown[];
  /** String values for interop (path, interface, version, group, timeout, generic, token, propagated keys). */
  attachments: Record<string, unknown>;
}

/** Encodes a request body. `args` must already be `toJava` output; attachments go out as a HashMap. */
export function encodeRequestBody(req: DubboRequestBody): Buffer {
  const att = new Map<string, unknown>();
  for (const [k, v] of Object.entries(req.attachments)) if (v !== undefined) att.set(k, v);
  return encodeHessian([
    req.dubboVersion,
    req.path,
    req.version,
    req.method,
    req.parameterDesc,
    ...req.args,
    { $class: 'java.util.HashMap', $: att },
  ]);
}

/**
 * Decodes a request body (provider side). The descriptor tells how many args follow. Attachments become a
 * null-prototype record; the reader also sets `dubbo` (the protocol version), as Java's provider does.
 * Throws `HessianError` on malformed input.
 */
export function decodeRequestBody(body: Uint8Array, limits?: DecodeLimits): DubboRequestBody & { args: JavaValue[] } {
  const d = new HessianDecoder(body, limits);
  const dubboVersion = d.readString('dubbo version');
  const path = d.readString('path');
  const version = nullableString(d.read(), 'version') ?? '0.0.0';
  const method = d.readString('method');
  const parameterDesc = nullableString(d.read(), 'parameter types') ?? '';
  const count = parameterDesc === '' ? 0 : splitDescriptor(parameterDesc).length;
  const args: JavaValue[] = [];
  for (let i = 0; i < count; i++) args.push(d.read());
  const attachments: Record<string, unknown> = Object.create(null);
  if (!d.done) readAttachments(d, attachments, 'request attachments');
  attachments.dubbo = dubboVersion;
  return { dubboVersion, path, version, method, parameterDesc, args, attachments };
}

/** Attachments are a `Map<String, Object>`: a key of another kind is malformed (Java fails the cast too). */
function readAttachments(d: HessianDecoder, into: Record<string, unknown>, what: string): void {
  const m = d.read();
  if (m === null) return;
  if (!(m instanceof Map)) throw new HessianError(`${what} are not a map`, 'malformed');
  for (const [k, v] of m) {
    if (typeof k !== 'string') throw new HessianError(`${what} have a key that is not a string (${shown(k)})`, 'malformed');
    into[k] = v;
  }
}

/**
 * A decoded value in a message, in O(1): never `String(v)`, which joins a list's elements recursively, so
 * a few hundred bytes of back-references (a list holding itself twice, 40 levels deep) would take forever.
 */
function shown(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (v instanceof Date) return `date ${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()}`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Map) return `a map of ${v.size}`;
  return v instanceof JavaObject ? `an object ${v.className}` : 'an object';
}

/**
 * Builds the three `$invoke` args (method name, type names as `String[]`, args as `Object[]`) for a generic
 * call; each arg is converted by its declared type in generic shape (POJOs as maps). Attach `generic=true`.
 */
export function genericInvokeArgs(
  method: string,
  parameterTypes: readonly string[],
  args: readonly unknown[],
  classes?: ToJavaOptions['classes'],
): HessianInput[] {
  if (args.length !== parameterTypes.length)
    throw new HessianError(`${parameterTypes.length} parameter types but ${args.length} arguments`, 'type');
  const erased = parameterTypes.map(genericTypeName);
  return [
    method,
    { $class: '[string', $: erased },
    {
      $class: '[object',
      $: args.map((a, i) => toJava(a, parameterTypes[i], { generic: true, classes }, `args[${i}]`, jsonNumberText(args, i))),
    },
  ];
}

/**
 * Erased type name for `$invoke`'s `String[]`: generics dropped, arrays as Dubbo's `ReflectUtils.getName`
 * writes them (`int[]`, `java.lang.String[][]`); Java's `name2class` also reads the `[I` form.
 */
export function genericTypeName(t: string): string {
  const format = (x: JavaType): string => (x.component ? `${format(x.component)}[]` : x.name);
  return format(parseJavaType(t));
}

/** A response body to encode (provider side). `value`/`exception` are hessian.js-ready values. */
export type DubboResponseBodyIn =
  | { kind: 'value'; value: HessianInput; attachments?: Record<string, unknown> }
  | { kind: 'null'; attachments?: Record<string, unknown> }
  | { kind: 'exception'; exception: HessianInput; attachments?: Record<string, unknown> };

/** A decoded response body. */
export type DubboResponseBody =
  | { kind: 'value'; value: JavaValue; attachments: Record<string, unknown> }
  | { kind: 'null'; attachments: Record<string, unknown> }
  | { kind: 'exception'; exception: JavaValue; attachments: Record<string, unknown> };

/**
 * Java's `Version.getIntVersion`: "2.0.2" → 2000200, "2.7.3" → 2070300, "2.5.3.6" → 2050306.
 */
export function intVersion(version: string): number {
  const parts = version.split('.');
  let v = 0;
  for (let i = 0; i < parts.length; i++) {
    const digits = /^\d*/.exec(parts[i]!)![0];
    if (digits) v += Number(digits) * 10 ** ((parts.length - i - 1) * 2);
  }
  if (parts.length === 3) v *= 100;
  return v;
}

/** Whether a request's dubbo version gets responses with attachments (flags 3/4/5): "2.0.2".."2.0.99". */
export function supportsResponseAttachments(dubboVersion: string | undefined): boolean {
  if (!dubboVersion) return false;
  const v = intVersion(dubboVersion);
  return v >= 2000200 && v <= 2009900;
}

/**
 * Encodes a response body. With `withAttachments` (see `supportsResponseAttachments` of the request's
 * version) flags 3/4/5 are used and attachments always include `dubbo`.
 */
export function encodeResponseBody(res: DubboResponseBodyIn, withAttachments: boolean): Buffer {
  const values: HessianInput[] = [];
  const base = res.kind === 'exception' ? ResponseFlag.WITH_EXCEPTION : res.kind === 'value' ? ResponseFlag.VALUE : ResponseFlag.NULL_VALUE;
  values.push(withAttachments ? base + 3 : base);
  if (res.kind === 'value') values.push(res.value);
  else if (res.kind === 'exception') values.push(res.exception);
  if (withAttachments) {
    const att = new Map<string, unknown>(Object.entries(res.attachments ?? {}));
    if (!att.has('dubbo')) att.set('dubbo', DUBBO_PROTOCOL_VERSION);
    values.push({ $class: 'java.util.HashMap', $: att });
  }
  return encodeHessian(values);
}

/** Decodes a response body of a status-20 response (consumer side). Accepts all six flags. */
export function decodeResponseBody(body: Uint8Array, limits?: DecodeLimits): DubboResponseBody {
  const d = new HessianDecoder(body, limits);
  const flag = d.read();
  if (typeof flag !== 'number' || !Number.isInteger(flag) || flag < 0 || flag > 5) {
    throw new HessianError(`unknown Dubbo response flag ${shown(flag)}`, 'malformed');
  }
  const attachments: Record<string, unknown> = Object.create(null);
  let result: DubboResponseBody;
  switch (flag % 3) {
    case 0:
      result = { kind: 'exception', exception: d.read(), attachments };
      break;
    case 1:
      result = { kind: 'value', value: d.read(), attachments };
      break;
    default:
      result = { kind: 'null', attachments };
  }
  if (flag >= 3) readAttachments(d, attachments, 'response attachments');
  return result;
}

/** Body of a non-OK response: the error message as one Hessian string. */
export function encodeErrorBody(message: string): Buffer {
  return encodeHessian([message]);
}

/** Reads the error message of a non-OK response (tolerates an empty or non-string body). */
export function decodeErrorBody(body: Uint8Array): string {
  if (body.length === 0) return '';
  try {
    const v = new HessianDecoder(body, { maxDepth: 8, maxItems: 1000 }).read();
    if (typeof v === 'string') return v;
    if (v instanceof JavaObject && typeof v.fields.detailMessage === 'string') return v.fields.detailMessage;
    return shown(v);
  } catch {
    return Buffer.from(body).toString('utf8').replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
  }
}

/** Attachments as Java sends them: string values only (non-strings are dropped, numbers stringified). */
export function stringAttachments(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out[k] = String(v);
  }
  return out;
}

function nullableString(v: JavaValue, what: string): string | null {
  if (v === null || typeof v === 'string') return v;
  throw new HessianError(`expected a string for ${what}`, 'malformed');
}
