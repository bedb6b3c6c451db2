import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { FerryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import {
  FrameDecoder,
  FrameError,
  RequestIdAllocator,
  decodeEvent,
  encodeFrame,
  encodeHeartbeatRequest,
  encodeHeartbeatResponse,
  type DubboFrame,
} from './codec.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Endpoint id, for error details. */
  id: string;
  maxPayload: number;
  /** Send a heartbeat after this long without reading anything; close after three times as long. */
  heartbeatMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  /** Counts frames that could not be decoded (metrics). */
  onDecodeError?(): void;
}

interface Pending {
  resolve(frame: DubboFrame): void;
  reject(err: FerryError): void;
}

/**
 * One multiplexed TCP connection to a Dubbo provider: many calls in flight, matched to answers by request
 * id. Answers the provider's heartbeats, sends its own when idle, and notes the provider's read-only event
 * (sent before it shuts down) so no new call is sent here. A malformed frame closes only this connection.
 */
export class DubboConnection extends EventEmitter<{ close: [] }> {
  readonly #options: ConnectionOptions;
  readonly #ids = new RequestIdAllocator();
  readonly #pending = new Map<bigint, Pending>();
  readonly #decoder: FrameDecoder;
  #socket: Socket | undefined;
  #connecting: Promise<void> | undefined;
  #lastRead = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  /** The provider said it is shutting down. */
  readonly = false;
  /** Ferry is closing it once idle (see `closeWhenIdle`). */
  #draining = false;
  #drainTimer: NodeJS.Timeout | undefined;
  #corked = false;
  /** Since when the decoder holds the start of a frame whose rest has not arrived (undefined: none). */
  #partialSince: number | undefined;

  constructor(options: ConnectionOptions) {
    super();
    this.#options = options;
    this.#decoder = new FrameDecoder({ maxPayload: options.maxPayload });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Connects once; a failure closes the connection (the pool makes a new one, after backoff). */
  open(): Promise<void> {
    this.#connecting ??= new Promise<void>((resolve, reject) => {
      const { host, port, connectTimeoutMs, id } = this.#options;
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setKeepAlive(true, 30_000);
        this.#socket = socket;
        this.#lastRead = Date.now();
        this.#startHeartbeat();
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.#onData(chunk));
      socket.once('error', (err) => {
        clearTimeout(timer);
        if (!this.#socket)
          reject(
            new FerryError('FERRY_ERR_UPSTREAM_CONNECT', `cannot connect to ${id}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
              upstream: { protocol: 'apache_dubbo', endpoint: id },
            }),
          );
        this.#shutdown(`connection error: ${err.message}`);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        if (!this.#socket)
          reject(
            new FerryError('FERRY_ERR_UPSTREAM_CONNECT', `cannot connect to ${id}`, {
              upstream: { protocol: 'apache_dubbo', endpoint: id },
            }),
          );
        this.#shutdown('connection closed by the provider');
      });
    });
    return this.#connecting;
  }

  /** Sends a request body; two-way calls resolve with the response frame, one-way ones once written. */
  async request(body: Buffer, twoWay: boolean, signal: AbortSignal): Promise<DubboFrame | undefined> {
    await this.open();
    const socket = this.#socket;
    if (this.#closed || this.#draining || !socket) throw this.#resetError('connection closed before the call was sent', true);
    const id = this.#ids.next();
    const frame = encodeFrame({ request: true, twoWay, id, body });
    const sentAt = Date.now();
    if (!twoWay) {
      this.#write(socket, frame);
      return undefined;
    }
    return new Promise<DubboFrame>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        queueMicrotask(() => this.#closeIfDrained());
        if (signal.reason instanceof FerryError && signal.reason.code === 'FERRY_ERR_UPSTREAM_TIMEOUT') this.#closeIfStuck(sentAt);
        // Ferry's own deadline aborts with its FerryError; any other reason is the app going away, which says
        // nothing about the provider: "client closed request" (499, as gRPC's cancel), never an upstream
        // timeout — that one opens circuit breakers (an HTTP load generator stopping 50 calls did exactly that).
        reject(
          signal.reason instanceof FerryError
            ? signal.reason
            : new FerryError('FERRY_ERR_CANCELLED', `the app went away before ${this.#options.id} answered`, {
                upstream: { protocol: 'apache_dubbo', endpoint: this.#options.id },
              }),
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (f) => {
          signal.removeEventListener('abort', onAbort);
          resolve(f);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.#write(socket, frame);
    });
  }

  /** Calls started in the same tick leave in one write (one syscall instead of one per call). */
  #write(socket: Socket, frame: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  close(): void {
    this.#shutdown('closed by Ferry');
  }

  /**
   * Takes no new calls and closes once the calls in flight are answered (or gave up), at the latest after
   * `maxWaitMs`. For a provider that left discovery: a Java provider stopping gracefully unregisters first and
   * still answers what it was given, so cutting the connection at once would fail calls that are fine.
   */
  closeWhenIdle(maxWaitMs: number): void {
    if (this.#closed || this.#draining) return;
    this.#draining = true;
    if (this.#pending.size === 0) return this.#shutdown('closed by Ferry (provider left)');
    this.#drainTimer = setTimeout(
      () => this.#shutdown(`closed by Ferry (provider left, calls still unanswered after ${maxWaitMs} ms)`),
      maxWaitMs,
    );
    this.#drainTimer.unref();
  }

  #closeIfDrained(): void {
    if (this.#draining && this.#pending.size === 0) this.#shutdown('closed by Ferry (provider left)');
  }

  /**
   * A call timed out while a frame that began arriving before it was sent is still incomplete: every answer
   * after that frame is swallowed by it (a provider that wrote a wrong length), so no call on this connection
   * can succeed any more, and the heartbeats it still answers would keep it open forever. Close it; the pool
   * reconnects. (A legit frame still arriving after a whole call timeout is as good as lost too.)
   */
  #closeIfStuck(sentAt: number): void {
    if (this.#closed || this.#partialSince === undefined || this.#partialSince >= sentAt) return;
    const reason =
      `a frame from the provider has stayed incomplete for ${Date.now() - this.#partialSince} ms ` +
      `(${this.#decoder.buffered} bytes): the stream is out of sync`;
    this.#options.logger.warn({ endpoint: this.#options.id }, reason);
    this.#options.onDecodeError?.();
    this.#shutdown(reason);
  }

  #onData(chunk: Buffer): void {
    this.#lastRead = Date.now();
    let frames: DubboFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#options.logger.warn(
        { endpoint: this.#options.id, err: (err as Error).message },
        'malformed Dubbo frame from provider; closing the connection',
      );
      this.#options.onDecodeError?.();
      // answers that arrived whole before the bad bytes still answer their calls
      if (err instanceof FrameError) for (const frame of err.complete) this.#onFrame(frame);
      this.#shutdown(`malformed frame: ${(err as Error).message}`);
      return;
    }
    if (this.#decoder.buffered === 0) this.#partialSince = undefined;
    else if (frames.length > 0 || this.#partialSince === undefined) this.#partialSince = this.#lastRead;
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: DubboFrame): void {
    if (frame.event) {
      let kind: string;
      try {
        kind = decodeEvent(frame).kind;
      } catch (err) {
        if (err instanceof FrameError) return this.#shutdown(`bad event frame: ${err.message}`);
        throw err;
      }
      if (frame.request) {
        if (kind === 'readonly') this.readonly = true;
        else if (kind === 'writeable') this.readonly = false;
        if (frame.twoWay) this.#socket?.write(encodeHeartbeatResponse(frame.id));
        return;
      }
      // the answer to our heartbeat: nothing to do, reading it was the point
      this.#pending.get(frame.id)?.resolve(frame);
      this.#pending.delete(frame.id);
      return;
    }
    if (frame.request) return; // a provider does not call us on this connection
    const pending = this.#pending.get(frame.id);
    if (!pending) return; // answered after we gave up on it (timeout)
    this.#pending.delete(frame.id);
    if (frame.rejected) {
      // well framed but not hessian2: the call ran, its answer cannot be read
      pending.reject(
        new FerryError(
          'FERRY_ERR_UPSTREAM_PROTOCOL',
          `${this.#options.id} answered with serialization id ${frame.serializationId}; Ferry speaks hessian2 (2) only`,
          {
            upstream: { protocol: 'apache_dubbo', endpoint: this.#options.id, status: frame.status },
          },
        ),
      );
      this.#closeIfDrained();
      return;
    }
    pending.resolve(frame);
    this.#closeIfDrained();
  }

  #startHeartbeat(): void {
    const { heartbeatMs } = this.#options;
    this.#heartbeat = setInterval(() => {
      const idle = Date.now() - this.#lastRead;
      if (idle >= heartbeatMs * 3) return this.#shutdown(`no answer for ${idle} ms`);
      if (idle >= heartbeatMs) this.#socket?.write(encodeHeartbeatRequest(this.#ids.next()));
    }, Math.max(100, Math.floor(heartbeatMs / 3)));
    this.#heartbeat.unref();
  }

  #resetError(message: string, unsent = false): FerryError {
    // A call that never reached the socket can go to another provider; one that was sent may have run.
    return new FerryError(unsent ? 'FERRY_ERR_UPSTREAM_CONNECT' : 'FERRY_ERR_UPSTREAM_RESET', `${this.#options.id}: ${message}`, {
      upstream: { protocol: 'apache_dubbo', endpoint: this.#options.id },
    });
  }

  #shutdown(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#drainTimer);
    this.#socket?.destroy();
    const error = this.#resetError(reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.emit('close');
  }
}
