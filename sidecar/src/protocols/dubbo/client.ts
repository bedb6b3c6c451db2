import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint, Registration, ServiceDefinition } from '../../discovery/types.js';
import type { DubboServiceConfig as ServiceConfig, DubboMethodConfig } from './schema.js';
import { HEADERS } from '@ferry/sdk/contract';
import { FerryError } from '../../errors.js';
import type { ProtocolClient, ProtocolContext } from '../types.js';
import { applyOutgoing } from '../carrier-util.js';
import {
  HessianError,
  argumentOf,
  decodeException,
  fromJava,
  jsonNumberText,
  parameterDescriptor,
  toJava,
  type ToJavaOptions,
} from '../hessian/index.js';
import {
  DUBBO_PROTOCOL_VERSION,
  GENERIC_METHOD,
  GENERIC_PARAMETER_DESC,
  decodeErrorBody,
  decodeResponseBody,
  encodeRequestBody,
  genericInvokeArgs,
  genericTypeName,
} from './body.js';
import { dubboAttachmentCarrier } from './carrier.js';
import { statusError } from './status.js';
import { ConnectionPool } from './pool.js';
import { DubboStatus } from './status.js';

/** What a call needs to know about its target method. */
export interface DubboTarget {
  interface: string;
  version?: string;
  group?: string;
  method: string;
  parameterTypes: string[];
  returns?: string;
  invocation: 'generic' | 'typed';
}

/**
 * `echo(java.lang.String, int)` → `{ name: 'echo', parameterTypes: ['java.lang.String', 'int'] }`: a method named
 * with its signature picks one overload (as the `methods` keys of inbound services do). Undefined for a bare name.
 */
export function parseSignature(method: string): { name: string; parameterTypes: string[] } | undefined {
  const m = /^([A-Za-z_$][\w$]*)\((.*)\)$/s.exec(method.trim());
  if (!m) return undefined;
  const parameterTypes: string[] = [];
  let depth = 0;
  let start = 0;
  const list = m[2]!;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || i === list.length) {
      const t = list.slice(start, i).trim();
      if (t) parameterTypes.push(t);
      else if (i < list.length || parameterTypes.length > 0)
        throw new FerryError('FERRY_ERR_BAD_REQUEST', `bad method signature "${method}"`);
      start = i + 1;
    }
  }
  return { name: m[1]!, parameterTypes };
}

/**
 * The call's target. Ad-hoc calls state their types (`call.signature`). Otherwise the service config: the method's
 * declared types (`methods.{name}` or `methods."{name}({types})"`); a method called by signature
 * (`/v1/invoke/svc/echo(java.lang.String,int)`) takes its parameter types from the signature.
 */
export function targetOf(call: Call, service: ServiceConfig): DubboTarget {
  if (call.signature) {
    return {
      interface: service.interface,
      ...(service.version ? { version: service.version } : {}),
      ...(service.group ? { group: service.group } : {}),
      method: call.method,
      parameterTypes: [...call.signature.parameterTypes],
      ...(call.signature.returns ? { returns: call.signature.returns } : {}),
      invocation: service.invocation,
    };
  }
  const signature = parseSignature(call.method);
  const declared: DubboMethodConfig | undefined =
    service.methods?.[call.method] ?? (signature ? service.methods?.[signature.name] : undefined);
  if (service.methods && !declared) {
    throw new FerryError(
      'FERRY_ERR_METHOD_NOT_FOUND',
      `method "${call.method}" is not declared for service "${service.name}" (declared: ${Object.keys(service.methods).join(', ')})`,
    );
  }
  // a signature key declared without parameterTypes: the signature says them
  const declaredTypes = declared?.parameterTypes.length ? declared.parameterTypes : undefined;
  const exact = declared !== undefined && service.methods?.[call.method] === declared;
  return {
    interface: service.interface,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
    method: signature?.name ?? call.method,
    parameterTypes: (exact ? declaredTypes : undefined) ?? signature?.parameterTypes ?? declaredTypes ?? [],
    ...(declared?.returns && (exact || !signature) ? { returns: declared.returns } : {}),
    invocation: service.invocation,
  };
}

/** The app's JSON body as an argument list: an array as it is, a lone object for a one-parameter method. */
export function argumentList(args: unknown, parameterTypes: readonly string[]): unknown[] {
  if (args === undefined || args === null) return [];
  if (Array.isArray(args)) return args;
  if (parameterTypes.length === 1) return argumentOf(args);
  throw new FerryError('FERRY_ERR_BAD_ARGUMENTS', `expected a JSON array of ${parameterTypes.length} argument(s)`);
}

/**
 * `protocol: dubbo`: Dubbo 2 frames with Hessian 2 bodies over pooled multiplexed connections. Generic
 * `$invoke` by default (the provider needs no Java classes from us); `invocation: typed` sends exact
 * descriptors for providers that refuse generic calls.
 */
export function createDubboClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  const maxPayload = ctx.config.limits.dubboPayloadBytes;
  const pool = new ConnectionPool({
    size: service.connections,
    maxPayload,
    heartbeatMs: service.heartbeatMs,
    connectTimeoutMs: Math.min(3000, service.timeoutMs ?? ctx.config.defaults.timeoutMs),
    logger: ctx.logger,
    ...(ctx.events
      ? {
          onConnection: (endpoint: string, delta: 1 | -1) => ctx.events!.connection('dubbo', endpoint, delta),
          onDecodeError: () => ctx.events!.decodeError('dubbo'),
        }
      : {}),
  });
  // Dubbo 3 providers publish their ServiceDefinition in the registry (metadata center): parameter, return and
  // POJO field types the config does not give are taken from there.
  const { registry } = ctx;
  const metadata = registry?.metadata?.bind(registry);
  const registration = registry ? announceConsumer(service, ctx) : undefined;

  return {
    async invoke(call: Call, endpoint: Endpoint): Promise<Reply> {
      let target = targetOf(call, service);
      const methods = endpoint.params.methods?.split(',');
      if (methods && !methods.includes(target.method) && !methods.includes('*')) {
        throw new FerryError(
          'FERRY_ERR_METHOD_NOT_FOUND',
          `provider ${endpoint.id} of ${target.interface} has no method "${target.method}"`,
        );
      }
      let classes = service.classes;
      const application = endpoint.params.application;
      const definition =
        metadata && application
          ? await metadata({
              interface: target.interface,
              version: endpoint.params.version || undefined,
              group: endpoint.params.group || undefined,
              application,
            })
          : undefined;
      if (definition) {
        classes = mergedClasses(definition, service.classes);
        target = completeTarget(target, definition, call.args);
      }
      const args = argumentList(call.args, target.parameterTypes);
      if (args.length !== target.parameterTypes.length) {
        const hint =
          target.parameterTypes.length === 0 && !definition
            ? ` — declare methods.${target.method}.parameterTypes (the provider publishes no metadata Ferry could read them from)`
            : '';
        throw new FerryError(
          'FERRY_ERR_BAD_ARGUMENTS',
          `${target.interface}.${target.method} takes ${target.parameterTypes.length} argument(s) ` +
            `(${target.parameterTypes.join(', ')}), got ${args.length}${hint}`,
        );
      }
      const body = encodeRequest(call, endpoint, target, args, classes ? { classes } : {});
      // a Java provider reads such a frame whole and then answers status 25 "Data length too large": say it before sending
      if (body.length > maxPayload)
        throw new FerryError(
          'FERRY_ERR_PAYLOAD_TOO_LARGE',
          `the Dubbo request would be ${body.length} bytes; the limit is ${maxPayload} (limits.dubboPayloadBytes, Dubbo's payload)`,
        );
      const conn = await pool.get(endpoint);
      const frame = await conn.request(body, !call.oneWay, call.signal);
      if (!frame) return { kind: 'accepted' };
      if (frame.status !== DubboStatus.OK) throw statusError(frame.status, decodeErrorBody(frame.body), endpoint.id);
      return decodeReply(frame.body, target, endpoint, classes);
    },
    available: (endpoint) => pool.available(endpoint),
    forget: (endpoint) => pool.forget(endpoint),
    close: async () => {
      pool.close();
      await (await registration)?.close();
    },
  };
}

/** Java consumers announce themselves under the registry's consumers; dubbo-admin and ops tooling expect it. */
function announceConsumer(service: ServiceConfig, ctx: ProtocolContext): Promise<Registration | undefined> {
  const params: Record<string, string> = {
    application: ctx.config.application,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
    ...(service.methods ? { methods: Object.keys(service.methods).join(',') } : {}),
  };
  const instance = { scheme: 'consumer', host: ctx.host, port: 0, interface: service.interface, params };
  return ctx.registry!.register(instance, 'consumer').catch((err: unknown) => {
    ctx.logger.warn({ err: (err as Error).message, service: service.name }, 'could not register as a consumer in the registry');
    return undefined;
  });
}

const merged = new WeakMap<ServiceDefinition, WeakMap<object, ToJavaOptions['classes']>>();
const NO_CLASSES = {};

/** The provider's POJO field types, overridden class by class by the config's `classes`. */
function mergedClasses(definition: ServiceDefinition, configured: ToJavaOptions['classes']): ToJavaOptions['classes'] {
  let byConfig = merged.get(definition);
  if (!byConfig) merged.set(definition, (byConfig = new WeakMap()));
  const key = configured ?? NO_CLASSES;
  let out = byConfig.get(key);
  if (!out) byConfig.set(key, (out = { ...definition.classes, ...configured }));
  return out;
}

/**
 * Fills in from the provider's ServiceDefinition what the config left out: the parameter types of a method
 * called with arguments but declared without types (found by name and argument count; overloads with the same
 * count must be declared), and the return type.
 */
export function completeTarget(target: DubboTarget, definition: ServiceDefinition, rawArgs: unknown): DubboTarget {
  const candidates = definition.methods.filter((m) => m.name === target.method);
  if (candidates.length === 0) return target;
  let parameterTypes = target.parameterTypes;
  const count = rawArgs === undefined || rawArgs === null ? 0 : Array.isArray(rawArgs) ? rawArgs.length : 1;
  if (parameterTypes.length === 0) {
    const fit = candidates.filter((m) => m.parameterTypes.length === count);
    if (fit.length === 0) {
      // said here, with what the provider's methods take, rather than by the provider (status 70) or as "takes 0"
      const takes = candidates.map((m) => `(${m.parameterTypes.join(', ')})`).join(' or ');
      throw new FerryError(
        'FERRY_ERR_BAD_ARGUMENTS',
        `${target.interface}.${target.method} takes ${takes}; got ${count} argument(s)`,
      );
    }
    if (fit.length > 1) {
      throw new FerryError(
        'FERRY_ERR_BAD_ARGUMENTS',
        `${target.interface}.${target.method} is overloaded with ${count} parameter(s): ` +
          `${fit.map((m) => `(${m.parameterTypes.join(', ')})`).join(', ')} — give parameterTypes`,
      );
    }
    if (fit.length === 1) parameterTypes = fit[0]!.parameterTypes;
  }
  let returns = target.returns;
  if (!returns) {
    const erase = (types: readonly string[]) => {
      try {
        return types.map(genericTypeName).join(',');
      } catch {
        return undefined; // a type name Ferry cannot parse: no return type from metadata then
      }
    };
    const erased = erase(parameterTypes);
    returns = candidates.find((m) => erased !== undefined && erase(m.parameterTypes) === erased)?.returnType;
  }
  return { ...target, parameterTypes, ...(returns ? { returns } : {}) };
}

function encodeRequest(call: Call, endpoint: Endpoint, target: DubboTarget, args: unknown[], options: ToJavaOptions): Buffer {
  const attachments: Record<string, unknown> = {};
  applyOutgoing(dubboAttachmentCarrier, attachments, call.outgoing);
  // as the HTTP, JSON-RPC and gRPC clients do: the call's id travels unless the app sent its own
  attachments['x-request-id'] ??= call.requestId;
  // The provider's own group/version (from its registry URL) name the exporter: a consumer asking for
  // group "*", a group list or version "*" must send the one it picked, as Java's invokers do.
  const group = endpoint.params.group || target.group;
  const version = endpoint.params.version || target.version;
  attachments.path = target.interface;
  attachments.interface = target.interface;
  if (version) attachments.version = version;
  if (group) attachments.group = group;
  attachments.timeout = String(Math.max(1, call.deadline - Date.now()));
  if (endpoint.params.token) attachments.token = endpoint.params.token;
  try {
    if (target.invocation === 'generic') {
      attachments.generic = 'true';
      return encodeRequestBody({
        dubboVersion: DUBBO_PROTOCOL_VERSION,
        path: target.interface,
        version: version ?? '0.0.0',
        method: GENERIC_METHOD,
        parameterDesc: GENERIC_PARAMETER_DESC,
        args: genericInvokeArgs(target.method, target.parameterTypes, args, options.classes),
        attachments,
      });
    }
    return encodeRequestBody({
      dubboVersion: DUBBO_PROTOCOL_VERSION,
      path: target.interface,
      version: version ?? '0.0.0',
      method: target.method,
      parameterDesc: parameterDescriptor(target.parameterTypes),
      args: args.map((a, i) => toJava(a, target.parameterTypes[i], options, `args[${i}]`, jsonNumberText(args, i))),
      attachments,
    });
  } catch (err) {
    if (err instanceof HessianError) throw new FerryError('FERRY_ERR_BAD_ARGUMENTS', err.message, { cause: err });
    throw err;
  }
}

/**
 * Response attachments the provider set (`RpcContext.getServerContext().setAttachment`) for the app, as
 * `x-ferry-attach-<key>` headers — the same names that send attachments upstream. Dubbo's own `dubbo` key and
 * values that are not header-safe strings are left out.
 */
export function responseAttachmentHeaders(attachments: Record<string, unknown>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(attachments)) {
    if (key === 'dubbo' || typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(key) || !/^[\t\x20-\x7e]*$/.test(value))
      continue;
    (out ??= {})[`${HEADERS.attachmentPrefix}${key.toLowerCase()}`] = value;
  }
  return out;
}

function decodeReply(body: Buffer, target: DubboTarget, endpoint: Endpoint, classes: ToJavaOptions['classes']): Reply {
  try {
    const options = { ...(classes ? { classes } : {}), generic: target.invocation === 'generic' };
    const result = decodeResponseBody(body);
    if (result.kind === 'exception') {
      const ex = decodeException(result.exception, (v) => fromJava(v, undefined, options));
      throw new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION', `${ex.exceptionClass}: ${ex.message ?? ''}`.trim(), {
        upstream: {
          protocol: 'apache_dubbo',
          exceptionClass: ex.exceptionClass,
          message: ex.message ?? '',
          endpoint: endpoint.id,
          ...(Object.keys(ex.fields).length ? { data: ex.fields } : {}),
        },
      });
    }
    const headers = responseAttachmentHeaders(result.attachments);
    const value = result.kind === 'null' ? null : fromJava(result.value, target.returns, options);
    return headers ? { kind: 'value', value, headers } : { kind: 'value', value };
  } catch (err) {
    if (err instanceof HessianError) {
      throw new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', `cannot decode the answer of ${endpoint.id}: ${err.message}`, {
        upstream: { protocol: 'apache_dubbo', endpoint: endpoint.id },
        cause: err,
      });
    }
    throw err;
  }
}
