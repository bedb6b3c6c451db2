/**
 * One HTTP exchange through undici's `dispatch`, answered as Ferry sends it on: status, headers, and the body
 * whole when it is small and of known size, else undici's own body stream. Undici's `request()` makes a stream,
 * an AsyncResource, and a consumer to read a small body back out of that stream; with most answers small, those
 * were ~2 KiB and a few µs of every call (the profile of #15). The handler methods are undici's (`onConnect` …
 * `onError`), as its request API's own handler implements them.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

const require = createRequire(import.meta.url);
const { parseHeaders } = require('undici/lib/core/util') as { parseHeaders(raw: Buffer[]): Record<string, string | string[]> };
type BodyReadableOptions = { resume: () => void; abort: (reason?: unknown) => void; contentType?: string; contentLength?: number };
const { Readable: BodyReadable } = require('undici/lib/api/readable') as { Readable: new (options: BodyReadableOptions) => Readable };

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[]>;
  /** The whole body (small and of known size), or a stream of it. */
  body: Buffer | Readable;
}

type DispatchOptions = Dispatcher.DispatchOptions;

function noop(): void {}

class AnswerHandler {
  #abort: ((reason?: unknown) => void) | undefined;
  #chunks: Buffer[] | undefined;
  #stream: Readable | undefined;
  #statusCode = 0;
  #headers: Record<string, string | string[]> | undefined;
  #listening = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly requestBody: unknown,
    private readonly wholeBelow: number,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  onConnect(abort: (reason?: unknown) => void): void {
    if (this.signal.aborted) return abort(this.signal.reason);
    this.#abort = abort;
    if (!this.#listening) {
      this.#listening = true;
      this.signal.addEventListener('abort', this);
    }
  }

  /** The call's signal aborted: the exchange ends with its reason. */
  handleEvent(): void {
    const reason = this.signal.reason;
    if (this.#stream) this.#stream.destroy(reason as Error);
    else this.#abort?.(reason);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    const headers = parseHeaders(rawHeaders);
    const length = Number(headers['content-length']);
    if (length <= this.wholeBelow) {
      this.#statusCode = statusCode;
      this.#headers = headers;
      this.#chunks = [];
      return true;
    }
    const contentType = headers['content-type'];
    const stream = new BodyReadable({
      resume,
      abort: this.#abort!,
      contentType: typeof contentType === 'string' ? contentType : '',
      ...(Number.isFinite(length) ? { contentLength: length } : {}),
    });
    stream.on('close', () => this.#stopListening());
    this.#stream = stream;
    this.resolve({ statusCode, headers, body: stream });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#chunks) {
      this.#chunks.push(chunk);
      return true;
    }
    return this.#stream!.push(chunk);
  }

  onComplete(): void {
    const chunks = this.#chunks;
    if (!chunks) {
      this.#stream!.push(null);
      return;
    }
    this.#stopListening();
    // each chunk is a view of the socket's read, which nothing else writes: one chunk is the body as it is
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.resolve({ statusCode: this.#statusCode, headers: this.#headers!, body });
  }

  onError(err: Error): void {
    this.#stopListening();
    const stream = this.#stream;
    if (stream) {
      // as undici's request API: the stream's consumers see the error after what was already queued
      queueMicrotask(() => stream.on('error', noop).destroy(err));
    } else this.reject(err);
    const body = this.requestBody as Readable | null | undefined;
    if (body && typeof body.destroy === 'function') body.on('error', noop).destroy(err);
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.signal.removeEventListener('abort', this);
  }
}

/**
 * Sends `options` through `dispatcher` and resolves with the answer once its headers came (a streamed body) or
 * its whole body did (known size of at most `wholeBelow` bytes). `signal` ends the exchange, before or after.
 */
export function exchange(dispatcher: Dispatcher, options: DispatchOptions, signal: AbortSignal, wholeBelow: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new AnswerHandler(signal, options.body, wholeBelow, resolve, reject) as Dispatcher.DispatchHandler);
  });
}
