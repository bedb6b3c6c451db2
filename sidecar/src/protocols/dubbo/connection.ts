import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { FerryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { encodeFrame, type DubboFrame } from './codec.js';
import { DubboChannel } from './channel.js';

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
  readonly #pending = new Map<bigint, Pending>();
  #channel: DubboChannel | undefined;
  /** The socket while it connects (closing the connection then destroys it). */
  #dialing: Socket | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  /** The provider said it is shutting down. */
  readonly = false;
  /** Ferry is closing it once idle (see `closeWhenIdle`). */
  #draining = false;
  #drainTimer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    super();
    this.#options = options;
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
      const failed = (err?: Error) => {
        clearTimeout(timer);
        const why = err ? `: ${(err as NodeJS.ErrnoException).code ?? err.message}` : '';
        const upstream = { protocol: 'apache_dubbo', endpoint: id };
        reject(new FerryError('FERRY_ERR_UPSTREAM_CONNECT', `cannot connect to ${id}${why}`, { upstream }));
        this.#shutdown(err ? `connection error: ${err.message}` : 'connection closed by the provider');
      };
      const closed = () => failed();
      this.#dialing = socket;
      socket.once('error', failed);
      socket.once('close', closed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', failed);
        socket.off('close', closed);
        this.#dialing = undefined;
        // from here on the channel owns the socket (and its heartbeat timer) until it closes
        this.#channel = new DubboChannel(
          socket,
          {
            peerRole: 'provider',
            peer: id,
            maxPayload: this.#options.maxPayload,
            heartbeatMs: this.#options.heartbeatMs,
            logger: this.#options.logger,
            ...(this.#options.onDecodeError ? { onDecodeError: this.#options.onDecodeError } : {}),
          },
          {
            response: (frame) => this.#onResponse(frame),
            readonly: (readonly) => (this.readonly = readonly),
            closed: (reason) => this.#shutdown(reason),
          },
        );
        resolve();
      });
    });
    return this.#connecting;
  }

  /** Sends a request body; two-way calls resolve with the response frame, one-way ones once written. */
  async request(body: Buffer, twoWay: boolean, signal: AbortSignal): Promise<DubboFrame | undefined> {
    await this.open();
    const channel = this.#channel;
    if (this.#closed || this.#draining || !channel) throw this.#resetError('connection closed before the call was sent', true);
    const id = channel.nextId();
    const frame = encodeFrame({ request: true, twoWay, id, body });
    const sentAt = Date.now();
    if (!twoWay) {
      channel.send(frame);
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
      channel.send(frame);
    });
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
    const partialSince = this.#channel?.partialSince;
    if (this.#closed || partialSince === undefined || partialSince >= sentAt) return;
    const waited = `${Date.now() - partialSince} ms (${this.#channel?.buffered} bytes)`;
    const reason = `a frame from the provider has stayed incomplete for ${waited}: the stream is out of sync`;
    this.#options.logger.warn({ endpoint: this.#options.id }, reason);
    this.#options.onDecodeError?.();
    this.#shutdown(reason);
  }

  #onResponse(frame: DubboFrame): void {
    const pending = this.#pending.get(frame.id);
    if (!pending) return; // answered after we gave up on it (timeout)
    this.#pending.delete(frame.id);
    if (frame.rejected) {
      // well framed but not hessian2: the call ran, its answer cannot be read
      pending.reject(
        new FerryError(
          'FERRY_ERR_UPSTREAM_PROTOCOL',
          `${this.#options.id} answered with serialization id ${frame.serializationId}; Ferry speaks hessian2 (2) only`,
          { upstream: { protocol: 'apache_dubbo', endpoint: this.#options.id, status: frame.status } },
        ),
      );
    } else pending.resolve(frame);
    this.#closeIfDrained();
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
    clearTimeout(this.#drainTimer);
    this.#dialing?.destroy();
    this.#channel?.close(reason);
    const error = this.#resetError(reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.emit('close');
  }
}
