/**
 * One inbound Dubbo call: request body → the configured method → a `Call` through the inbound chain (metrics,
 * SERVER span, propagation, timeout, `answer.ts`, the HTTP client to the app) → a Dubbo response body. Ferry's
 * failures are answered through `statusForErrorCode`. Every outcome is an answer; nothing here throws.
 *
 *   typed call  `find(J)` / generic `$invoke("find", ["long"], [42])`
 *     → POST {app}/users/find   body [42] (or the single POJO), headers x-ferry-service/-method + allow-listed attachments
 *     → 2xx JSON → value (shaped by `returns`), null/void → null flag; 4xx/5xx or unreachable → a Java exception
 *
 * Status answers mirror Java Dubbo 3's provider: unknown service / method / signature and undecodable
 * bodies → 40 (BAD_REQUEST, "Fail to decode request due to: …"); a generic call naming an unknown method →
 * 70 (SERVICE_ERROR); the app not answering within the consumer's timeout → 31 (SERVER_TIMEOUT; by then
 * the consumer has given up on its own); an answer that does not fit the declared return type or is larger
 * than the payload limit → 50 (BAD_RESPONSE).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { HEADERS } from '@ferry/sdk/contract';
import type { FerryConfig } from '../../../config/schema.js';
import { inboundDubbo } from './schema.js';
import type { Logger } from '../../../observability/logger.js';
import type { Call, Invoke } from '../../../pipeline/types.js';
import { FerryError, toFerryError } from '../../../errors.js';
import { readCarrier } from '../../carrier-util.js';
import { dubboAttachmentCarrier } from '../carrier.js';
import { APP_ERROR_CLASS } from './answer.js';
import {
  decodeRequestBody,
  encodeErrorBody,
  encodeResponseBody,
  supportsResponseAttachments,
  ECHO_METHOD,
  ECHO_PARAMETER_DESC,
  GENERIC_ASYNC_METHOD,
  GENERIC_METHOD,
  GENERIC_PARAMETER_DESC,
  type DubboRequestBody,
  type DubboResponseBodyIn,
} from '../body.js';
import { DubboStatus, statusForErrorCode } from '../status.js';
import {
  encodeException,
  fromJava,
  HessianError,
  splitDescriptor,
  toJava,
  typeFromDescriptor,
  type JavaType,
  type JavaValue,
} from '../../hessian/index.js';
import { parseJavaType } from '../../hessian/java-types.js';
import type { MetadataInfo } from '../../../discovery/app-level/metadata-info.js';
import { METADATA_SERVICE, metadataServiceAnswer } from './metadata-service.js';
import { ArgumentMismatch, coerceArgument } from './arguments.js';
import { buildServiceTable, findGeneric, findTyped, serviceKey, singleBody, type MethodEntry, type ServiceEntry } from './methods.js';

/**
 * JDK exception classes an app may name (`exceptionClass` in its error body) without configuration: the
 * RuntimeExceptions in Dubbo 3.2/3.3's default serialization allow-list (`security/serialize.allowlist`). A
 * Dubbo consumer in its default STRICT check mode turns any other class it was not told about into a HashMap
 * and fails with "expect Throwable"; checked exceptions would reach a typed caller as
 * UndeclaredThrowableException. Other names go out as RuntimeException("<class>: <message>"), which is what
 * a Java provider's ExceptionFilter does with undeclared exceptions.
 */
export const DEFAULT_EXCEPTION_CLASSES: ReadonlySet<string> = new Set([
  'java.lang.RuntimeException',
  'java.lang.IllegalArgumentException',
  'java.lang.IllegalStateException',
  'java.lang.IllegalMonitorStateException',
  'java.lang.IllegalThreadStateException',
  'java.lang.IndexOutOfBoundsException',
  'java.lang.StringIndexOutOfBoundsException',
  'java.lang.NegativeArraySizeException',
  'java.lang.NullPointerException',
  'java.lang.NumberFormatException',
  'java.lang.SecurityException',
]);
/** What a Java provider returns to generic callers for any exception (`GenericFilter`). */
export const GENERIC_EXCEPTION_CLASS = 'org.apache.dubbo.rpc.service.GenericException';
/** Extra time Ferry waits for the app beyond the consumer's own timeout, so the consumer times out first. */
export const TIMEOUT_GRACE_MS = 500;
const JAVA_CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;

export interface InboundAnswer {
  /** Dubbo status: 20 with a response body, otherwise an error body (one Hessian string). */
  status: number;
  body: Buffer;
}

export interface HandlerOptions {
  config: FerryConfig;
  logger: Logger;
  /** The inbound chain: observe → propagation → timeout → answer → the app. */
  inbound: Invoke;
  /** Ferry's application-level MetadataInfo, served by its own MetadataService (register-mode instance/all). */
  metadata?: () => MetadataInfo | undefined;
  /** The provider token calls must carry (`inbound.dubbo.token`, resolved). */
  token?: string;
}

/** Inbound calls end by their deadline; the consumer going away does not cancel the app's call (as in Java). */
const NEVER_ABORTED = new AbortController().signal;

export interface Peer {
  address?: string;
  port?: number;
}

/** The connection a call came in on: the consumer's end, and Ferry's own address (named in some Java errors). */
export interface Via {
  peer?: Peer;
  localAddress?: string;
}

class Answer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Decoded = DubboRequestBody & { args: JavaValue[] };

interface Resolved {
  service: ServiceEntry;
  method: MethodEntry;
  argTypes: JavaType[];
  /** Arguments as JSON. */
  args: unknown[];
  generic: boolean;
}

export class InboundDubboHandler {
  readonly #config: FerryConfig;
  readonly #logger: Logger;
  readonly #inbound: Invoke;
  readonly #services: Map<string, ServiceEntry>;
  readonly #app: URL;
  readonly #classes: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  readonly #maxPayload: number;
  readonly #exceptionClasses: ReadonlySet<string>;
  readonly #metadata: HandlerOptions['metadata'];
  readonly #token: Buffer | undefined;

  constructor(options: HandlerOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#inbound = options.inbound;
    this.#metadata = options.metadata;
    this.#token = options.token === undefined ? undefined : Buffer.from(options.token);
    const dubbo = inboundDubbo(options.config)!;
    this.#services = buildServiceTable(dubbo.services);
    this.#classes = dubbo.classes;
    this.#app = new URL(options.config.inbound.app.url);
    this.#maxPayload = options.config.limits.dubboPayloadBytes;
    this.#exceptionClasses = new Set([...DEFAULT_EXCEPTION_CLASSES, ...dubbo.exceptionClasses]);
  }

  /** Answers one request body; `undefined` never happens for two-way calls (one-way callers ignore the answer). */
  async handle(body: Buffer, via: Via = {}): Promise<InboundAnswer> {
    const peer = via.peer ?? {};
    let req: Decoded;
    try {
      req = decodeRequestBody(body, { maxDepth: 256, maxItems: 1_000_000 });
    } catch (err) {
      return errorAnswer(DubboStatus.BAD_REQUEST, `Fail to decode request due to: ${(err as Error).message}`);
    }
    const withAttachments = supportsResponseAttachments(req.dubboVersion);
    try {
      const metadata = req.path === METADATA_SERVICE ? this.#metadata?.() : undefined;
      if (metadata) {
        const answer = metadataServiceAnswer(req.method, req.args.map((a) => fromJava(a)), metadata);
        if (!answer)
          throw new Answer(
            DubboStatus.SERVICE_ERROR,
            `org.apache.dubbo.rpc.RpcException: No such method ${req.method} in Ferry's ${METADATA_SERVICE}`,
          );
        return this.#encode(answer.value === null ? { kind: 'null' } : { kind: 'value', value: answer.value }, withAttachments);
      }
      const service = this.#findService(req);
      if (req.method === ECHO_METHOD && req.parameterDesc === ECHO_PARAMETER_DESC) {
        // EchoService: Java's EchoFilter answers with the argument itself
        return this.#encode({ kind: 'value', value: toJava(fromJava(req.args[0] ?? null)) }, withAttachments);
      }
      const resolved = this.#resolve(service, req);
      this.#checkToken(resolved, req, via);
      return await this.#call(resolved, req, peer, withAttachments);
    } catch (err) {
      if (err instanceof Answer) return errorAnswer(err.status, err.message);
      this.#logger.error({ err }, 'inbound dubbo: unexpected failure');
      return errorAnswer(DubboStatus.SERVER_ERROR, `Ferry: ${(err as Error).message}`);
    }
  }

  #findService(req: Decoded): ServiceEntry {
    const group = typeof req.attachments.group === 'string' ? req.attachments.group : undefined;
    const iface = typeof req.attachments.interface === 'string' ? req.attachments.interface : undefined;
    const found =
      this.#services.get(serviceKey(req.path, req.version, group)) ??
      (iface && iface !== req.path ? this.#services.get(serviceKey(iface, req.version, group)) : undefined);
    if (found) return found;
    const key = serviceKey(iface ?? req.path, req.version, group);
    throw new Answer(
      DubboStatus.BAD_REQUEST,
      `Fail to decode request due to: java.lang.IllegalArgumentException: Service not found:${key}, ${req.method} ` +
        `(Ferry exposes: ${[...this.#services.keys()].join(', ') || 'nothing'})`,
    );
  }

  #resolve(service: ServiceEntry, req: Decoded): Resolved {
    const iface = service.config.interface;
    if ((req.method === GENERIC_METHOD || req.method === GENERIC_ASYNC_METHOD) && req.parameterDesc === GENERIC_PARAMETER_DESC) {
      const mode =
        typeof req.attachments.generic === 'string' && req.attachments.generic !== '' ? req.attachments.generic.toLowerCase() : 'true';
      if (mode !== 'true' && mode !== 'gson' && mode !== 'raw.return') {
        throw new Answer(
          DubboStatus.SERVICE_ERROR,
          `org.apache.dubbo.rpc.RpcException: Ferry does not support generic=${mode} (use generic=true or gson)`,
        );
      }
      const [nameValue, typesValue, argsValue] = req.args;
      if (typeof nameValue !== 'string')
        throw new Answer(DubboStatus.BAD_REQUEST, 'Fail to decode request due to: $invoke without a method name');
      const typeNames =
        typesValue === null || typesValue === undefined
          ? null
          : Array.isArray(typesValue) && typesValue.every((t): t is string => typeof t === 'string')
            ? typesValue
            : undefined;
      if (typeNames === undefined)
        throw new Answer(DubboStatus.BAD_REQUEST, 'Fail to decode request due to: $invoke parameter types are not a String[]');
      const values = argsValue === null || argsValue === undefined ? [] : Array.isArray(argsValue) ? argsValue : undefined;
      if (values === undefined)
        throw new Answer(DubboStatus.BAD_REQUEST, 'Fail to decode request due to: $invoke arguments are not an Object[]');
      const method = findGeneric(service, nameValue, typeNames);
      if (!method)
        throw new Answer(
          DubboStatus.SERVICE_ERROR,
          `org.apache.dubbo.rpc.RpcException: No such method ${nameValue} in class interface ${iface}`,
        );
      let argTypes: JavaType[];
      try {
        argTypes = method.parameterTypes ?? (typeNames ?? []).map((t) => parseJavaType(t));
      } catch (err) {
        throw new Answer(DubboStatus.SERVICE_ERROR, `org.apache.dubbo.rpc.RpcException: ${(err as Error).message}`);
      }
      if (values.length !== argTypes.length) {
        throw new Answer(
          DubboStatus.SERVICE_ERROR,
          `org.apache.dubbo.rpc.RpcException: ${nameValue} takes ${argTypes.length} arguments, got ${values.length}`,
        );
      }
      const args = values.map((v, i) => {
        if (mode === 'gson') {
          if (typeof v !== 'string')
            throw new Answer(
              DubboStatus.SERVICE_ERROR,
              `org.apache.dubbo.rpc.RpcException: generic=gson needs JSON strings as arguments (argument ${i})`,
            );
          try {
            return JSON.parse(v) as unknown;
          } catch {
            throw new Answer(DubboStatus.SERVICE_ERROR, `org.apache.dubbo.rpc.RpcException: argument ${i} is not JSON`);
          }
        }
        return stripClassKeys(this.#json(v, argTypes[i]!));
      });
      return { service, method, argTypes, args, generic: mode !== 'raw.return' };
    }
    const method = findTyped(service, req.method, req.parameterDesc);
    if (!method) {
      const known = [...(service.methods.get(req.method) ?? [])].map((m) => m.key);
      throw new Answer(
        DubboStatus.BAD_REQUEST,
        `Fail to decode request due to: java.lang.IllegalArgumentException: Service not found:${iface}, ` +
          `${req.method}(${req.parameterDesc})${known.length ? ` (Ferry exposes ${known.join(', ')})` : ''}`,
      );
    }
    const argTypes = method.parameterTypes ?? (req.parameterDesc === '' ? [] : splitDescriptor(req.parameterDesc).map(typeFromDescriptor));
    const values = req.args.map((v, i) => {
      try {
        return coerceArgument(v as JavaValue, argTypes[i]!);
      } catch (err) {
        if (!(err instanceof ArgumentMismatch)) throw err;
        // Java 3.3's own words for an argument its Hessian reader refuses, then which one and why
        throw new Answer(
          DubboStatus.BAD_REQUEST,
          `Fail to decode request due to: RpcInvocation [methodName=${req.method}, parameterTypes=null] (argument ${i}: ${err.message})`,
        );
      }
    });
    return { service, method, argTypes, args: values.map((v, i) => this.#json(v, argTypes[i]!)), generic: false };
  }

  /**
   * Java's TokenFilter (after the arguments are decoded and a generic call is resolved to its method; `$echo` and
   * the MetadataService are answered before it): the same RpcException, status 70. Constant-time compare.
   */
  #checkToken(r: Resolved, req: Decoded, via: Via): void {
    if (!this.#token) return;
    const sent = req.attachments.token;
    const presented = typeof sent === 'string' ? Buffer.from(sent) : undefined;
    if (presented && presented.length === this.#token.length && timingSafeEqual(presented, this.#token)) return;
    throw new Answer(
      DubboStatus.SERVICE_ERROR,
      `org.apache.dubbo.rpc.RpcException: Invalid token! Forbid invoke remote service interface ${r.service.config.interface} ` +
        `method ${r.method.name}() from consumer ${via.peer?.address ?? 'unknown'} to provider ${via.localAddress ?? 'unknown'}, ` +
        `consumer incorrect token is ${typeof sent === 'string' ? sent : 'null'}`,
    );
  }

  #json(value: unknown, type: JavaType): unknown {
    try {
      return fromJava(value, type, this.#classes ? { classes: this.#classes } : {});
    } catch (err) {
      throw new Answer(DubboStatus.BAD_REQUEST, `Fail to decode request due to: ${(err as Error).message}`);
    }
  }

  async #call(r: Resolved, req: Decoded, peer: Peer, withAttachments: boolean): Promise<InboundAnswer> {
    const iface = r.service.config.interface;
    const consumerTimeout = Number(req.attachments.timeout);
    const timeoutMs =
      Number.isInteger(consumerTimeout) && consumerTimeout > 0
        ? consumerTimeout + TIMEOUT_GRACE_MS
        : (r.method.config.timeoutMs ?? this.#config.inbound.app.timeoutMs);
    const path = r.method.path.replace(/\{(\d+)\}/g, (_, n: string) => encodeURIComponent(pathValue(r.args[Number(n)])));
    const hasBody = r.method.httpMethod === 'POST' || r.method.httpMethod === 'PUT' || r.method.httpMethod === 'PATCH';
    const headers: Record<string, string> = {
      accept: 'application/json',
      [HEADERS.inboundService]: iface,
      [HEADERS.inboundMethod]: r.method.name,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    };
    const body = hasBody ? JSON.stringify(singleBody(r.method, r.argTypes) ? (r.args[0] ?? null) : r.args) : undefined;
    const call: Call = {
      service: iface,
      method: r.method.name,
      args: r.args,
      incomingHeaders: readCarrier(dubboAttachmentCarrier, req.attachments),
      outgoing: {},
      deadline: Date.now() + timeoutMs,
      signal: NEVER_ABORTED,
      oneWay: false,
      requestId: randomUUID(),
      attempt: 1,
      http: { method: r.method.httpMethod, path, headers, ...(body === undefined ? {} : { body: Readable.from([body]) }) },
      signature: { parameterTypes: r.method.config.parameterTypes ?? [], returns: r.method.config.returns, generic: r.generic },
      peer,
    };
    try {
      const reply = await this.#inbound(call);
      if (reply.kind !== 'value') throw new FerryError('FERRY_ERR_INTERNAL', `unexpected ${reply.kind} answer`);
      const attachments = reply.headers ?? {};
      return this.#encode(
        reply.value === null ? { kind: 'null', attachments } : { kind: 'value', value: reply.value as JavaValue, attachments },
        withAttachments,
      );
    } catch (err) {
      return this.#failure(
        toFerryError(err),
        r,
        { timeoutMs, target: `${r.method.httpMethod} ${this.#app.origin}${this.#app.pathname.replace(/\/+$/, '')}${path}` },
        withAttachments,
      );
    }
  }

  /** A failed inbound call as the consumer gets it: the app's error as a Java exception, anything else by status. */
  #failure(error: FerryError, r: Resolved, at: { timeoutMs: number; target: string }, withAttachments: boolean): InboundAnswer {
    const where = `${r.service.config.interface}.${r.method.name}`;
    switch (error.code) {
      case 'FERRY_ERR_UPSTREAM_HTTP_STATUS': {
        const named = {
          exceptionClass: error.upstream?.exceptionClass ?? APP_ERROR_CLASS,
          message: error.upstream?.message ?? error.message,
        };
        const known = this.#exceptionClasses.has(named.exceptionClass);
        const exceptionClass = known ? named.exceptionClass : APP_ERROR_CLASS;
        const message = known ? named.message : `${named.exceptionClass}: ${named.message}`;
        const attachments = (error.upstream?.data as { attachments?: Record<string, string> } | undefined)?.attachments ?? {};
        return this.#encode({ ...exceptionBody(r.generic, exceptionClass, message), attachments }, withAttachments);
      }
      case 'FERRY_ERR_UPSTREAM_CONNECT': {
        const cause = error.cause as { code?: string; cause?: { code?: string } } | undefined;
        const code = cause?.code ?? cause?.cause?.code ?? error.message;
        return this.#encode(
          exceptionBody(r.generic, APP_ERROR_CLASS, `Ferry could not reach the app at ${this.#app.origin}: ${code}`),
          withAttachments,
        );
      }
      case 'FERRY_ERR_UPSTREAM_TIMEOUT':
        return errorAnswer(
          statusForErrorCode(error.code),
          `Ferry: the app did not answer ${where} (${at.target}) within ${at.timeoutMs} ms`,
        );
      default:
        if (error.code === 'FERRY_ERR_INTERNAL') this.#logger.error({ err: error }, 'inbound dubbo: unexpected failure');
        return errorAnswer(statusForErrorCode(error.code), `Ferry: ${error.message}`);
    }
  }

  #encode(res: DubboResponseBodyIn, withAttachments: boolean): InboundAnswer {
    let body: Buffer;
    try {
      body = encodeResponseBody(res, withAttachments);
    } catch (err) {
      return errorAnswer(
        DubboStatus.BAD_RESPONSE,
        `Ferry: cannot encode the answer: ${err instanceof HessianError ? err.message : String(err)}`,
      );
    }
    if (body.length > this.#maxPayload) {
      return errorAnswer(DubboStatus.BAD_RESPONSE, `Data length too large: ${body.length}, max payload: ${this.#maxPayload}`);
    }
    return { status: DubboStatus.OK, body };
  }
}

function errorAnswer(status: number, message: string): InboundAnswer {
  return { status, body: encodeErrorBody(message) };
}

/**
 * The exception a Java consumer receives: the class (a JDK RuntimeException unless the app named another)
 * with the app's message. Generic callers get it wrapped in a GenericException, as from a Java provider.
 */
function exceptionBody(generic: boolean, exceptionClass: string, message: string): DubboResponseBodyIn {
  if (!generic) return { kind: 'exception', exception: encodeException({ className: exceptionClass, message }) };
  return {
    kind: 'exception',
    exception: encodeException({
      className: GENERIC_EXCEPTION_CLASS,
      message: `${exceptionClass}: ${message}`,
      fields: { exceptionClass, exceptionMessage: message },
    }),
  };
}

/** A path placeholder's text: scalars as they are, anything else as JSON. */
function pathValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Generic callers send POJOs as maps carrying Dubbo's `"class"` key (`PojoUtils.generalize`); the app sees
 * the same JSON as from a typed caller, so the key goes.
 */
export function stripClassKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripClassKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === 'class' && typeof x === 'string' && JAVA_CLASS_NAME.test(x)) continue;
    out[k] = stripClassKeys(x);
  }
  return out;
}
