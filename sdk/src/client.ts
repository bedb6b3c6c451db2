import {
  HEADERS,
  NDJSON,
  ROUTES,
  batchPath,
  invokePath,
  proxyPath,
  DEFAULT_PORT,
  type BatchCall,
  type BatchItem,
  type ErrorBody,
} from './contract.js';
import { FerryError } from './errors.js';
import { currentHeaders, DEADLINE_KEY } from './context.js';

export interface FerryClientOptions {
  /** The sidecar's local API. Default: `$FERRY_URL` or `http://127.0.0.1:4140`. */
  baseUrl?: string;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** Default per-call timeout sent to Ferry (`x-ferry-timeout-ms`); Ferry never exceeds the service's own. */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface CallOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Fire and forget: JSON-RPC notification / Dubbo one-way. Resolves once Ferry accepted the call. */
  oneWay?: boolean;
  /** Extra attachments / metadata sent upstream as they are (Dubbo attachments, gRPC metadata, headers). */
  attachments?: Record<string, string>;
  signal?: AbortSignal;
}

export interface DubboTarget {
  interface: string;
  version?: string;
  group?: string;
  method: string;
  parameterTypes: string[];
  args: unknown[];
  attachments?: Record<string, string>;
}

export type { BatchCall, BatchItem };

/** A client for the local API of the Ferry sidecar running next to the app. */
export class FerryClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: FerryClientOptions = {}) {
    this.#base = (options.baseUrl ?? process.env.FERRY_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, '');
    const token = process.env.FERRY_API_TOKEN;
    this.#headers = { ...(token ? { [HEADERS.apiToken]: token } : {}), ...options.headers };
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Calls `method` of a configured service (any protocol) with JSON arguments; resolves with the result. */
  async invoke<T = unknown>(service: string, method: string, args: unknown = [], options: CallOptions = {}): Promise<T> {
    const res = await this.#send(invokePath(service, method), { method: 'POST', body: JSON.stringify(args) }, options);
    return (await this.#json(res)) as T;
  }

  /** Server-streaming call: yields each message as Ferry receives it (NDJSON lines). */
  async *stream<T = unknown>(service: string, method: string, args: unknown = {}, options: CallOptions = {}): AsyncGenerator<T> {
    const res = await this.#send(invokePath(service, method), { method: 'POST', body: JSON.stringify(args) }, options);
    if (!res.ok) await this.#json(res);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) yield parseLine<T>(line);
      }
    }
    if (buffered.trim()) yield parseLine<T>(buffered);
  }

  /** One JSON-RPC batch: items answered in order, each `{result}` or `{error}`. */
  async batch<T = unknown>(service: string, calls: BatchCall[], options: CallOptions = {}): Promise<BatchItem<T>[]> {
    const res = await this.#send(batchPath(service), { method: 'POST', body: JSON.stringify(calls) }, options);
    return (await this.#json(res)) as BatchItem<T>[];
  }

  /** An ad-hoc Dubbo call to a service that is not in Ferry's config. */
  async dubbo<T = unknown>(target: DubboTarget, options: CallOptions = {}): Promise<T> {
    const res = await this.#send(ROUTES.dubbo, { method: 'POST', body: JSON.stringify(target) }, options);
    return (await this.#json(res)) as T;
  }

  /**
   * HTTP pass-through to a `protocol: http` service: the upstream's answer comes back as it is (an upstream
   * 502 stays a 502; `res.headers.get('x-ferry-error')` tells whether Ferry made the answer).
   */
  async http(service: string, path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    const { timeoutMs, ...rest } = init;
    return this.#send(proxyPath(service, path), rest, timeoutMs === undefined ? {} : { timeoutMs }, false);
  }

  async #send(path: string, init: RequestInit, options: CallOptions, json = true): Promise<Response> {
    const { [DEADLINE_KEY]: deadline, ...captured } = currentHeaders();
    const headers: Record<string, string> = {
      ...captured,
      ...this.#headers,
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
    for (const [k, v] of new Headers(init.headers).entries()) headers[k] = v;
    Object.assign(headers, options.headers);
    let timeout = options.timeoutMs ?? this.#timeoutMs;
    // inside a request a Ferry sent with its time left: never ask for more than is left of it
    if (deadline) timeout = Math.min(timeout ?? Infinity, Math.max(1, Number(deadline) - Date.now()));
    if (timeout !== undefined) headers[HEADERS.timeout] = String(timeout);
    if (options.oneWay) headers[HEADERS.oneWay] = 'true';
    for (const [k, v] of Object.entries(options.attachments ?? {})) headers[`${HEADERS.attachmentPrefix}${k.toLowerCase()}`] = v;
    try {
      return await this.#fetch(this.#base + path, {
        ...init,
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(init.body && typeof init.body !== 'string' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw new FerryError('FERRY_ERR_SIDECAR_UNREACHABLE', `cannot reach Ferry at ${this.#base}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async #json(res: Response): Promise<unknown> {
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (res.ok) return body;
    if (res.headers.get(HEADERS.error) && body && typeof body === 'object') throw FerryError.fromBody(body as ErrorBody);
    throw new FerryError('FERRY_ERR_UPSTREAM_HTTP_STATUS', `upstream answered ${res.status}`, { statusCode: res.status, body });
  }
}

function parseLine<T>(line: string): T {
  const value = JSON.parse(line) as { error?: ErrorBody };
  if (
    value &&
    typeof value === 'object' &&
    value.error &&
    typeof value.error === 'object' &&
    'code' in value.error &&
    Object.keys(value).length === 1
  ) {
    throw FerryError.fromBody(value.error);
  }
  return value as T;
}

export { NDJSON };
