/**
 * The Dubbo provider's innermost stage of the inbound chain: the app's HTTP answer → a Java value for the
 * consumer, or a Ferry error. Runs inside the chain, so metrics and the SERVER span see every outcome:
 *
 *   2xx JSON → the value shaped by the method's `returns` (null / void / 204 → null); plain text for a String
 *   method; non-2xx → FERRY_ERR_UPSTREAM_HTTP_STATUS carrying the app's message (and `exceptionClass`);
 *   not JSON, or not fitting `returns` → FERRY_ERR_UPSTREAM_PROTOCOL; the answer cut or too large →
 *   FERRY_ERR_UPSTREAM_RESET.
 */
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { HEADERS } from '@ferry/sdk/contract';
import { FerryError, toFerryError } from '../../../errors.js';
import type { Interceptor } from '../../../pipeline/types.js';
import { parseJson, toJava, type JavaType } from '../../hessian/index.js';
import { parseJavaType } from '../../hessian/java-types.js';

/** The exception class of app errors (4xx, 5xx, unreachable) unless the app names one. */
export const APP_ERROR_CLASS = 'java.lang.RuntimeException';
const JAVA_CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;
/** Response headers `x-ferry-attach-<key>` from the app become response attachments `<key>`. */
const ATTACH_PREFIX = HEADERS.attachmentPrefix;

export interface AnswerOptions {
  maxPayload: number;
  classes: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
}

export function dubboAnswerInterceptor(options: AnswerOptions): Interceptor {
  const { maxPayload, classes } = options;
  const types = new Map<string, JavaType>();
  const typeOf = (name: string): JavaType => {
    let type = types.get(name);
    if (!type) types.set(name, (type = parseJavaType(name)));
    return type;
  };
  return (next) =>
    async function answerDubbo(call) {
      const reply = await next(call);
      if (reply.kind !== 'http') return reply;
      const where = `${call.service}.${call.method}`;
      let text: string;
      try {
        text = await readLimited(reply.body, maxPayload);
      } catch (err) {
        throw new FerryError('FERRY_ERR_UPSTREAM_RESET', `reading the app's answer to ${where} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const attachments = responseAttachments(reply.headers);
      if (reply.statusCode >= 300 || reply.statusCode < 200) {
        const named = appError(reply.statusCode, text);
        throw new FerryError('FERRY_ERR_UPSTREAM_HTTP_STATUS', named.message, {
          upstream: {
            protocol: 'http',
            status: reply.statusCode,
            exceptionClass: named.exceptionClass,
            message: named.message,
            data: { attachments },
          },
        });
      }
      const returns = call.signature?.returns ?? 'java.lang.Object';
      if (returns === 'void' || text.trim() === '' || reply.statusCode === 204) return { kind: 'value', value: null, headers: attachments };
      let json: unknown;
      try {
        json = parseJson(text);
      } catch {
        // a plain-text answer is fine for a String method
        const type = String(reply.headers['content-type'] ?? '');
        if (/json/i.test(type) || (returns !== 'java.lang.String' && returns !== 'java.lang.Object')) {
          throw new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', `the app's answer to ${where} is not JSON`);
        }
        json = text;
      }
      if (json === null) return { kind: 'value', value: null, headers: attachments };
      try {
        const generic = call.signature?.generic ? { generic: true, classKey: true } : {};
        // a number is shaped from its text too (a long beyond 2^53 keeps its digits)
        const value = toJava(
          json,
          typeOf(returns),
          { ...(classes ? { classes } : {}), ...generic },
          '$',
          typeof json === 'number' ? text.trim() : undefined,
        );
        return { kind: 'value', value, headers: attachments };
      } catch (err) {
        throw new FerryError(
          'FERRY_ERR_UPSTREAM_PROTOCOL',
          `the app's answer to ${where} does not fit ${returns}: ${toFerryError(err).message}`,
        );
      }
    };
}

/**
 * The message (and optionally the Java class) of an app's error answer: a JSON body's `message` (else
 * `error`), and `exceptionClass` when it is a Java class name; a text body as it is; otherwise the status line.
 */
export function appError(statusCode: number, text: string): { exceptionClass: string; message: string } {
  let message: string | undefined;
  let exceptionClass = APP_ERROR_CLASS;
  const trimmed = text.trim();
  if (trimmed) {
    try {
      const body = JSON.parse(trimmed) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const o = body as Record<string, unknown>;
        if (typeof o.message === 'string') message = o.message;
        else if (typeof o.error === 'string') message = o.error;
        if (typeof o.exceptionClass === 'string' && JAVA_CLASS_NAME.test(o.exceptionClass)) exceptionClass = o.exceptionClass;
      } else if (typeof body === 'string') message = body;
    } catch {
      message = trimmed.length > 2000 ? `${trimmed.slice(0, 2000)}…` : trimmed;
    }
    message ??= trimmed.length > 2000 ? `${trimmed.slice(0, 2000)}…` : trimmed;
  }
  return { exceptionClass, message: message ?? `HTTP ${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trim() };
}

/** `x-ferry-attach-<key>` response headers → response attachments. */
function responseAttachments(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || !k.toLowerCase().startsWith(ATTACH_PREFIX)) continue;
    const key = k.slice(ATTACH_PREFIX.length).toLowerCase();
    if (key && key !== 'dubbo') out[key] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

async function readLimited(body: Readable | Buffer, max: number): Promise<string> {
  if (Buffer.isBuffer(body)) {
    if (body.length > max) throw new Error(`the answer exceeds ${max} bytes`);
    return body.toString('utf8');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new Error(`the answer exceeds ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
