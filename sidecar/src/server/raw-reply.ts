import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { finished, type Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { failed, sendError } from './errors.js';
import type { Readiness } from './health.js';
import type { AppReply } from './send.js';

function noop(): void {}

/**
 * The hot lane's answer (hot-lane.ts), with fastify's reply semantics for what Ferry sends: headers gathered and
 * written in one `writeHead`, `content-length` for whole bodies, none for 204, a default content type, and for a
 * stream the status sent with its first bytes, so a stream that fails before any is still answered with an error.
 * (With `writeHead(status, headers)` Node keeps no header map, so the lane reads what it sent from `headers`.)
 */
export class RawReply implements AppReply {
  readonly headers: OutgoingHttpHeaders = {};
  #status = 200;

  constructor(
    readonly res: ServerResponse,
    private readonly method: string | undefined,
    private readonly log: FastifyBaseLogger,
    private readonly state: Readiness,
  ) {}

  /** The request failed: logged and answered from the error table, or, with the answer begun, cut. */
  fail(err: unknown): void {
    const error = failed(this.log, err);
    if (this.res.headersSent) this.res.destroy();
    else sendError(this, error);
  }

  get statusCode(): number {
    return this.#status;
  }

  code(statusCode: number): this {
    this.#status = statusCode;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    this.headers[name] = value;
    return this;
  }

  type(contentType: string): this {
    this.headers['content-type'] = contentType;
    return this;
  }

  send(payload?: string | Buffer | Readable): this {
    const status = this.#status;
    const { res, headers } = this;
    // as fastify's onSend hook in app.ts: an answer sent while draining closes its connection
    if (this.state.shuttingDown) headers.connection = 'close';
    if (payload === undefined) {
      if (status >= 200 && status !== 204 && status !== 304 && this.method !== 'HEAD') headers['content-length'] = '0';
      res.writeHead(status, headers).end();
    } else if ((status >= 100 && status < 200) || status === 204) {
      delete headers['content-type'];
      delete headers['content-length'];
      res.writeHead(status, headers).end();
      if (typeof payload === 'object' && !Buffer.isBuffer(payload)) payload.on('error', noop).resume();
    } else if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      headers['content-type'] ??= typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
      const length = Buffer.byteLength(payload);
      if (headers['content-length'] === undefined || (this.method !== 'HEAD' && Number(headers['content-length']) !== length)) {
        headers['content-length'] = String(length);
      }
      res.writeHead(status, headers).end(payload);
    } else this.#stream(payload);
    return this;
  }

  #stream(body: Readable): void {
    const { res, headers } = this;
    let open = true;
    finished(body, { readable: true, writable: false }, (err) => {
      open = false;
      if (err) this.fail(err);
    });
    finished(res, () => {
      if (open) body.destroy();
    });
    res.statusCode = this.#status;
    for (const name in headers) res.setHeader(name, headers[name]!);
    body.pipe(res);
  }
}
