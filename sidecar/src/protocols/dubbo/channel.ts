/**
 * One Dubbo 2 connection's frame loop, the same for both directions (what Java's ExchangeCodec +
 * HeartbeatHandler do for a consumer and a provider alike): decoding with a payload limit, heartbeats answered
 * and sent when the peer is quiet, the connection closed after 3× the heartbeat interval of silence, events,
 * malformed frames, and writes batched per tick. What a call means is the owner's business: the client
 * connection matches answers to its calls, the server connection runs requests.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../observability/logger.js';
import {
  FrameDecoder,
  FrameError,
  HESSIAN2,
  RequestIdAllocator,
  decodeEvent,
  encodeFrame,
  encodeHeartbeatRequest,
  encodeHeartbeatResponse,
  encodeReadonlyEvent,
  type DubboFrame,
} from './codec.js';
import { encodeErrorBody } from './body.js';
import { DubboStatus } from './status.js';

export interface ChannelOptions {
  /** Who is on the other end, for logs: `provider` or `consumer`. */
  peerRole: 'provider' | 'consumer';
  /** The peer's address or endpoint id, for logs. */
  peer: string;
  maxPayload: number;
  /** Send a heartbeat after this long without reading anything; close after three times as long. */
  heartbeatMs: number;
  logger: Logger;
  /** Counts frames that could not be decoded (metrics). */
  onDecodeError?(): void;
  /** Heartbeats answered and sent (the server's figures). */
  heartbeats?: { answered: number; sent: number };
}

export interface ChannelHandlers {
  /** A call from the peer (never an event; a frame in another serialization is answered here with status 40). */
  request?(frame: DubboFrame): void;
  /** An answer from the peer (never an event); `frame.rejected` when its serialization cannot be read. */
  response?(frame: DubboFrame): void;
  /** The peer's read-only (true) or writeable (false) event. */
  readonly?(readonly: boolean): void;
  /** The connection is gone (the peer, a socket error, a malformed stream, silence, or `close`); called once. */
  closed(reason: string): void;
}

/**
 * Owns a connected socket and its heartbeat timer from construction to close. A frame that breaks the framing
 * (bad magic, bad length, over the payload limit) closes this connection only; a call in another serialization
 * than hessian2 is answered with status 40 and the connection goes on.
 */
export class DubboChannel {
  readonly #socket: Socket;
  readonly #options: ChannelOptions;
  readonly #handlers: ChannelHandlers;
  readonly #decoder: FrameDecoder;
  readonly #ids = new RequestIdAllocator();
  readonly #heartbeat: NodeJS.Timeout;
  #lastRead = Date.now();
  #closed = false;
  #corked = false;
  #error: string | undefined;
  /** Since when the decoder holds the start of a frame whose rest has not arrived (undefined: none). */
  #partialSince: number | undefined;

  constructor(socket: Socket, options: ChannelOptions, handlers: ChannelHandlers) {
    this.#socket = socket;
    this.#options = options;
    this.#handlers = handlers;
    this.#decoder = new FrameDecoder({ maxPayload: options.maxPayload });
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => {
      this.#error ??= `connection error: ${err.message}`;
      options.logger.debug({ err: err.message, peer: options.peer }, `dubbo ${options.peerRole} connection error`);
    });
    socket.once('close', () => this.#finish(this.#error ?? `connection closed by the ${options.peerRole}`));
    const { heartbeatMs } = options;
    this.#heartbeat = setInterval(() => {
      const idle = Date.now() - this.#lastRead;
      if (idle >= heartbeatMs * 3) return this.close(`no data from the ${options.peerRole} for ${idle} ms`);
      if (idle >= heartbeatMs) {
        this.send(encodeHeartbeatRequest(this.#ids.next()));
        if (options.heartbeats) options.heartbeats.sent++;
      }
    }, Math.max(50, Math.floor(heartbeatMs / 3)));
    this.#heartbeat.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }

  get localAddress(): string | undefined {
    return this.#socket.localAddress;
  }

  /** Since when an incomplete frame has been waiting for its rest (undefined: nothing buffered). */
  get partialSince(): number | undefined {
    return this.#partialSince;
  }

  /** Bytes of an incomplete frame held by the decoder. */
  get buffered(): number {
    return this.#decoder.buffered;
  }

  /** A request id for a frame this side starts (calls, heartbeats, events share one counter). */
  nextId(): bigint {
    return this.#ids.next();
  }

  /** Writes a frame; frames written in the same tick leave in one write (one syscall instead of one per frame). */
  send(frame: Buffer): void {
    if (this.#closed || !this.#socket.writable) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => this.#flush());
    }
    this.#socket.write(frame);
  }

  #flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  /** The read-only event: "send no new calls on this connection". */
  sendReadonly(): void {
    this.send(encodeReadonlyEvent(this.#ids.next()));
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#options.logger.debug({ peer: this.#options.peer, reason }, `closing dubbo ${this.#options.peerRole} connection`);
    this.#finish(reason);
    // what was written in this tick (the last answers of a drain) still leaves
    this.#flush();
    this.#socket.destroy();
  }

  #finish(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#handlers.closed(reason);
  }

  #onData(chunk: Buffer): void {
    this.#lastRead = Date.now();
    let frames: DubboFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      // the byte stream is out of sync: only this connection goes
      const { logger, peer, peerRole } = this.#options;
      logger.warn({ peer, err: (err as Error).message }, `malformed Dubbo frame from a ${peerRole}; closing its connection`);
      this.#options.onDecodeError?.();
      // answers and events that arrived whole before the bad bytes still count; calls are not run (their
      // answers could not be sent)
      if (err instanceof FrameError) for (const frame of err.complete) if (!frame.request || frame.event) this.#onFrame(frame);
      this.close(`malformed frame: ${(err as Error).message}`);
      return;
    }
    if (this.#decoder.buffered === 0) this.#partialSince = undefined;
    else if (frames.length > 0 || this.#partialSince === undefined) this.#partialSince = this.#lastRead;
    for (const frame of frames) {
      if (this.#closed) return;
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: DubboFrame): void {
    if (frame.event) {
      if (frame.request) this.#onEvent(frame);
      // an event answer is the answer to our heartbeat or read-only event: reading it was the point
      return;
    }
    if (!frame.request) return this.#handlers.response?.(frame);
    if (frame.rejected) {
      this.#options.onDecodeError?.();
      const message = `Unsupported serialization id ${frame.serializationId}: Ferry accepts hessian2 (${HESSIAN2}) only`;
      if (frame.twoWay) this.#answerError(frame, message);
      return;
    }
    this.#handlers.request?.(frame);
  }

  /**
   * Events a peer starts come in its URL's serialization, not necessarily hessian2 (a Dubbo 3.2 provider at its
   * defaults writes them in fastjson2): `decodeEvent` reads the known forms. A two-way event (a heartbeat; Java
   * sends no other) is answered in the serialization it came in, echoing the body (a serialized null) when that
   * is not hessian2: the answer Java expects.
   */
  #onEvent(frame: DubboFrame): void {
    let kind: string;
    try {
      kind = decodeEvent(frame).kind;
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      // Java marks such a request broken and answers a two-way one with BAD_REQUEST
      if (frame.twoWay) this.#answerError(frame, `Fail to decode request due to: ${err.message}`);
      return;
    }
    if (kind === 'readonly' || kind === 'writeable') this.#handlers.readonly?.(kind === 'readonly');
    if (!frame.twoWay) return;
    const { serializationId } = frame;
    this.send(
      serializationId === HESSIAN2
        ? encodeHeartbeatResponse(frame.id)
        : encodeFrame({ request: false, event: true, status: DubboStatus.OK, id: frame.id, serializationId, body: frame.body }),
    );
    if (this.#options.heartbeats) this.#options.heartbeats.answered++;
  }

  #answerError(frame: DubboFrame, message: string): void {
    const body = encodeErrorBody(message);
    this.send(encodeFrame({ request: false, id: frame.id, status: DubboStatus.BAD_REQUEST, serializationId: HESSIAN2, body }));
  }
}
