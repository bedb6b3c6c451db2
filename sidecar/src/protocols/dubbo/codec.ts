/**
 * Dubbo 2 framing (ExchangeCodec): the 16-byte header, a streaming frame decoder, request ids, and the
 * heartbeat / read-only event frames. No serialization knowledge beyond the two fixed event bodies.
 *
 *   0-1 magic 0xdabb · 2 flags (0x80 request, 0x40 two-way, 0x20 event, low 5 bits serialization id)
 *   3 status (responses) · 4-11 request id (int64) · 12-15 body length (int32)
 */

export const MAGIC = 0xdabb;
export const HEADER_LENGTH = 16;
export const FLAG_REQUEST = 0x80;
export const FLAG_TWOWAY = 0x40;
export const FLAG_EVENT = 0x20;
export const SERIALIZATION_MASK = 0x1f;
/** Dubbo's serialization id for hessian2. */
export const HESSIAN2 = 2;
/** Dubbo's default `payload` limit (8 MiB). */
export const DEFAULT_MAX_PAYLOAD = 8 * 1024 * 1024;
/** Java refuses event bodies above this size (`deserialization.event.size`, default 15). */
export const MAX_EVENT_BODY = 15;

/** Hessian `N`: the body of heartbeat requests and responses. */
export const HEARTBEAT_BODY: Buffer = Buffer.from([0x4e]);
/** Event payloads Java sends as Hessian strings (`READONLY_EVENT`, `WRITEABLE_EVENT`, `MOCK_HEARTBEAT_EVENT`). */
export const READONLY_EVENT = 'R';
export const WRITEABLE_EVENT = 'W';

/** One Dubbo frame, header fields decoded, body untouched. */
export interface DubboFrame {
  /** Request (true) or response (false). */
  request: boolean;
  /** Requests only: an answer is expected. */
  twoWay: boolean;
  /** Heartbeat or other event (read-only, writeable). */
  event: boolean;
  serializationId: number;
  /** Response status (20 = OK); 0 in requests. */
  status: number;
  /** Signed 64-bit request id, echoed by the response. */
  id: bigint;
  body: Buffer;
  /**
   * Set when the frame is well framed but must not be decoded (its serialization id is not accepted).
   * Answer a two-way request with status 40 (BAD_REQUEST) and go on; fail a pending call on a response.
   */
  rejected?: FrameError;
}

export type FrameErrorCode = 'BAD_MAGIC' | 'PAYLOAD_TOO_LARGE' | 'BAD_LENGTH' | 'UNSUPPORTED_SERIALIZATION';

/**
 * A framing failure. Unless `recoverable`, the byte stream is out of sync: the owner must close that
 * connection (and only that one). Recoverable ones (`UNSUPPORTED_SERIALIZATION` on `DubboFrame.rejected`,
 * oversized event bodies) concern one whole frame (`frame`); the connection can go on.
 */
export class FrameError extends Error {
  /**
   * Thrown by `FrameDecoder.push`: the frames that were complete before the bad bytes in the same chunk. They
   * are sound (answers a provider gave before its stream broke): handle them, then close the connection.
   */
  complete: DubboFrame[] = [];

  constructor(
    readonly code: FrameErrorCode,
    message: string,
    readonly recoverable = false,
    readonly frame?: DubboFrame,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Builds one frame. `status` defaults to 20 for responses and 0 for requests. */
export function encodeFrame(frame: {
  request: boolean;
  twoWay?: boolean;
  event?: boolean;
  serializationId?: number;
  status?: number;
  id: bigint | number;
  body: Uint8Array;
}): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + frame.body.length);
  out.writeUInt16BE(MAGIC, 0);
  let flag = (frame.serializationId ?? HESSIAN2) & SERIALIZATION_MASK;
  if (frame.request) {
    flag |= FLAG_REQUEST;
    if (frame.twoWay) flag |= FLAG_TWOWAY;
  }
  if (frame.event) flag |= FLAG_EVENT;
  out[2] = flag;
  out[3] = frame.request ? 0 : (frame.status ?? 20);
  out.writeBigInt64BE(BigInt.asIntN(64, BigInt(frame.id)), 4);
  out.writeInt32BE(frame.body.length, 12);
  out.set(frame.body, HEADER_LENGTH);
  return out;
}

export interface FrameDecoderOptions {
  /** Largest accepted body (default 8 MiB). */
  maxPayload?: number;
  /** Accepted serialization ids (default `[2]`, hessian2). */
  serializations?: readonly number[];
}

/**
 * Turns a byte stream into frames: handles partial frames and many frames per chunk. `push` returns the
 * complete frames and keeps the rest; it throws `FrameError` on bad magic, negative or oversized lengths
 * (checked from the header alone, before buffering the body), with the frames complete before them in
 * `complete`. After a throw the decoder is reset; the owner closes the connection.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #maxPayload: number;
  readonly #serializations: readonly number[];

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.#serializations = options.serializations ?? [HESSIAN2];
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.#size;
  }

  push(chunk: Uint8Array): DubboFrame[] {
    if (chunk.length) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#size += chunk.length;
    }
    const frames: DubboFrame[] = [];
    while (this.#size >= 2) {
      const head = this.#peek(Math.min(HEADER_LENGTH, this.#size));
      if (head[0] !== 0xda || head[1] !== 0xbb) {
        throw this.#fail(new FrameError('BAD_MAGIC', `bad magic 0x${head.subarray(0, 2).toString('hex')} (not a Dubbo frame)`), frames);
      }
      if (head.length < HEADER_LENGTH) break;
      const length = head.readInt32BE(12);
      if (length < 0) throw this.#fail(new FrameError('BAD_LENGTH', `negative body length ${length}`), frames);
      if (length > this.#maxPayload) {
        throw this.#fail(
          new FrameError('PAYLOAD_TOO_LARGE', `Dubbo frame body of ${length} bytes exceeds the limit of ${this.#maxPayload}`),
          frames,
        );
      }
      if (this.#size < HEADER_LENGTH + length) break;
      const whole = this.#take(HEADER_LENGTH + length);
      const flag = whole[2]!;
      const frame: DubboFrame = {
        request: (flag & FLAG_REQUEST) !== 0,
        twoWay: (flag & FLAG_REQUEST) !== 0 && (flag & FLAG_TWOWAY) !== 0,
        event: (flag & FLAG_EVENT) !== 0,
        serializationId: flag & SERIALIZATION_MASK,
        status: whole[3]!,
        id: whole.readBigInt64BE(4),
        body: whole.subarray(HEADER_LENGTH),
      };
      if (!this.#serializations.includes(frame.serializationId)) {
        frame.rejected = new FrameError(
          'UNSUPPORTED_SERIALIZATION',
          `serialization id ${frame.serializationId} is not supported`,
          true,
          frame,
        );
      }
      frames.push(frame);
    }
    return frames;
  }

  #fail(error: FrameError, complete: DubboFrame[]): FrameError {
    this.reset();
    error.complete = complete;
    return error;
  }

  /** Drops everything buffered. */
  reset(): void {
    this.#chunks = [];
    this.#size = 0;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length >= n) return this.#chunks[0]!.subarray(0, n);
    const merged = Buffer.concat(this.#chunks);
    this.#chunks = [merged];
    return merged.subarray(0, n);
  }

  #take(n: number): Buffer {
    let first = this.#chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.#chunks);
      this.#chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#size -= n;
    return out;
  }
}

/**
 * Request ids: a signed 64-bit counter (like Java's `Request.newId()`), wrapping from 2^63−1 to −2^63.
 * Ids are bigints; `Map<bigint, …>` keys compare by value.
 */
export class RequestIdAllocator {
  #nextId: bigint;
  constructor(start: bigint | number = 0n) {
    this.#nextId = BigInt.asIntN(64, BigInt(start));
  }
  next(): bigint {
    const id = this.#nextId;
    this.#nextId = BigInt.asIntN(64, id + 1n);
    return id;
  }
}

/** A heartbeat request (`da bb e2 00 <id> 00 00 00 01 4e`): two-way event with a Hessian null body. */
export function encodeHeartbeatRequest(id: bigint | number): Buffer {
  return encodeFrame({ request: true, twoWay: true, event: true, id, body: HEARTBEAT_BODY });
}

/** The answer to a heartbeat: same id, event flag, status 20, Hessian null body (`da bb 22 14 …`). */
export function encodeHeartbeatResponse(id: bigint | number, serializationId = HESSIAN2): Buffer {
  return encodeFrame({ request: false, event: true, status: 20, id, serializationId, body: HEARTBEAT_BODY });
}

/** The one-way read-only event a provider sends before shutting down (body: Hessian string "R"). */
export function encodeReadonlyEvent(id: bigint | number): Buffer {
  return encodeFrame({ request: true, twoWay: false, event: true, id, body: Buffer.from([0x01, 0x52]) });
}

export type DubboEvent = { kind: 'heartbeat' } | { kind: 'readonly' } | { kind: 'writeable' } | { kind: 'other'; body: Buffer };

/** Dubbo's serialization id for fastjson2 (JSONB), the first choice of a Dubbo 3.2 provider left at its defaults. */
export const FASTJSON2 = 23;

/**
 * Classifies an event frame's body: a serialized null → heartbeat, the serialized strings "R"/"W" →
 * read-only/writeable ("H", Java's mock heartbeat, counts as heartbeat). Throws FrameError for bodies over 15 bytes.
 *
 * Events a provider starts (the read-only event on shutdown) use the provider URL's serialization, not the one
 * of Ferry's requests: a Dubbo 3.2 provider left at its defaults writes them in fastjson2 even to a hessian2
 * consumer (captured: `00 00 00 02 4a 52` = length 2, JSONB short ASCII string "R"). So besides Hessian
 * (`N`, `01 52`) the fastjson2 forms (`00 00 00 01 af` null, `00 00 00 02 4a 52`) and JSON text (`null`, `"R"`,
 * fastjson/gson) are understood.
 */
export function decodeEvent(frame: DubboFrame): DubboEvent {
  const b = frame.body;
  if (b.length > MAX_EVENT_BODY) throw new FrameError('BAD_LENGTH', `event body of ${b.length} bytes (max ${MAX_EVENT_BODY})`, true, frame);
  if (b.length === 0 || (b.length === 1 && b[0] === 0x4e)) return { kind: 'heartbeat' };
  let letter: number | undefined;
  if (b.length === 2 && b[0] === 0x01) letter = b[1]; // Hessian 2 one-character string
  else if (b.length === 5 && b.readInt32BE(0) === 1 && b[4] === 0xaf) return { kind: 'heartbeat' }; // fastjson2 null
  else if (b.length === 6 && b.readInt32BE(0) === 2 && b[4] === 0x4a) letter = b[5]; // fastjson2 "X"
  else {
    const text = b.toString('latin1').trim();
    if (text === 'null') return { kind: 'heartbeat' };
    if (/^"[RWH]"$/.test(text)) letter = text.charCodeAt(1); // JSON text (fastjson, gson)
  }
  if (letter === 0x52) return { kind: 'readonly' };
  if (letter === 0x57) return { kind: 'writeable' };
  if (letter === 0x48) return { kind: 'heartbeat' };
  return { kind: 'other', body: b };
}
