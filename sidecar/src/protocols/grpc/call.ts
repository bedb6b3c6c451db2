/**
 * One gRPC call on an HTTP/2 stream (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): the
 * request headers, length-prefixed messages both ways, the status from the trailers or from how the stream
 * ended. Statuses for transport trouble follow grpc-js's wording, which `grpcFailure` maps to Ferry's errors.
 */
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { StatusLike } from './status.js';
import { carriesMetadata, setMetadataHeader } from './carrier.js';

const {
  NGHTTP2_NO_ERROR,
  NGHTTP2_CANCEL,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
  NGHTTP2_FLAG_END_STREAM,
} = http2.constants;

const TIMEOUT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['m', 1],
  ['S', 1000],
  ['M', 60_000],
  ['H', 3_600_000],
];

/** `grpc-timeout`: the time left, rounded up, in the smallest unit that fits the header's 8 digits. */
export function timeoutHeader(deadline: number): string {
  const ms = Math.max(deadline - Date.now(), 0);
  for (const [unit, factor] of TIMEOUT_UNITS) {
    const amount = Math.ceil(ms / factor);
    if (amount < 1e8) return `${amount}${unit}`;
  }
  return '99999999H';
}

/**
 * The request headers of a call: the method, the deadline, the call's propagated keys as metadata (checked as
 * grpc-js's `Metadata` checks them), then `fixed` (the route's constant metadata). Written straight as HTTP/2
 * headers: a `Metadata` per call, converted by `toHttp2Headers`, was most of a call's header garbage.
 */
export function requestHeaders(
  path: string,
  authority: string,
  deadline: number,
  outgoing: Readonly<Record<string, string>>,
  requestId: string,
  fixed: Readonly<Record<string, string>>,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': path,
    ':authority': authority,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': 'ferry',
    'grpc-accept-encoding': 'identity',
    'grpc-timeout': timeoutHeader(deadline),
  };
  for (const key in outgoing) setMetadataHeader(headers, key, outgoing[key]!);
  if (headers['x-request-id'] === undefined) setMetadataHeader(headers, 'x-request-id', requestId);
  for (const key in fixed) headers[key] = fixed[key];
  return headers;
}

/** A message with its 5-byte prefix (uncompressed). */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 5);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

function httpStatusToGrpc(code: number, metadata = new Metadata()): StatusLike {
  const details = `Received HTTP status code ${code}`;
  switch (code) {
    case 400:
      return { code: Status.INTERNAL, details, metadata };
    case 401:
      return { code: Status.UNAUTHENTICATED, details, metadata };
    case 403:
      return { code: Status.PERMISSION_DENIED, details, metadata };
    case 404:
      return { code: Status.UNIMPLEMENTED, details, metadata };
    case 429:
    case 502:
    case 503:
    case 504:
      return { code: Status.UNAVAILABLE, details, metadata };
    default:
      return { code: Status.UNKNOWN, details, metadata };
  }
}

/** `grpc-message` is percent-encoded (decoded as grpc-js does). */
function decodeMessageText(text: string): string {
  try {
    return decodeURI(text);
  } catch {
    return text;
  }
}

/**
 * The listening side of one call: response headers, messages out of the DATA frames (at most `maxBytes`
 * each), the trailers, and the final status once the stream closed.
 */
export class GrpcCall {
  /** Response headers and trailers as metadata, when they hold any for the app (or a failure's details). */
  headers: Metadata | undefined;
  trailers: Metadata | undefined;
  #httpStatus = 0;
  #trailerHeaders: IncomingHttpHeaders | undefined;
  #transportError: Error | undefined;
  /** A status decided here (a message over the limit, a malformed frame), over whatever the stream says later. */
  #local: StatusLike | undefined;
  #cancelled = false;
  /** The start of a message still arriving, and how many bytes it needs (prefix included) before it is whole. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  #needed = 5;
  readonly stream: ClientHttp2Stream;
  readonly #maxBytes: number;

  constructor(stream: ClientHttp2Stream, maxBytes: number) {
    this.stream = stream;
    this.#maxBytes = maxBytes;
    stream.on('response', (headers, flags) => {
      this.#httpStatus = Number(headers[':status']);
      // trailers-only: the status came in the headers
      if (flags & NGHTTP2_FLAG_END_STREAM) this.#trailerHeaders = headers;
      else if (carriesMetadata(headers)) this.headers = Metadata.fromHttp2Headers(headers);
    });
    stream.on('trailers', (headers) => (this.#trailerHeaders = headers));
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // a reset from the server is read from the stream's code at close; anything else is the transport's
      if (err.code !== 'ERR_HTTP2_STREAM_ERROR') this.#transportError ??= err;
    });
  }

  /** The server refused the stream unprocessed (a GOAWAY crossed it): safe to send again, as grpc-js does once. */
  get refused(): boolean {
    return !this.#local && !this.#trailerHeaders && this.stream.rstCode === NGHTTP2_REFUSED_STREAM;
  }

  /** Stops the call (the app went away, a message could not be used): RST_STREAM CANCEL to the server. */
  cancel(local?: StatusLike): void {
    if (local) this.#local ??= local;
    this.#cancelled = true;
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  }

  /** The complete messages in a DATA chunk. A message spanning chunks is joined once, when all of it is there. */
  messages(chunk: Buffer): Buffer[] {
    // not a gRPC answer (an error page): its status says what happened
    if (this.#httpStatus !== 200) return [];
    let data = chunk;
    if (this.#buffered > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered < this.#needed) return [];
      data = Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [];
      this.#buffered = 0;
    }
    const out: Buffer[] = [];
    while (data.length >= 5) {
      const length = data.readUInt32BE(1);
      if (length > this.#maxBytes) {
        this.cancel({ code: Status.RESOURCE_EXHAUSTED, details: `Received message larger than max (${length} vs. ${this.#maxBytes})` });
        return [];
      }
      if (data[0] !== 0) {
        this.cancel({ code: Status.INTERNAL, details: 'Received a compressed message, but no compression was accepted' });
        return [];
      }
      if (data.length < length + 5) break;
      out.push(data.subarray(5, length + 5));
      data = data.subarray(length + 5);
    }
    if (data.length > 0) {
      this.#chunks.push(data);
      this.#buffered = data.length;
      this.#needed = data.length >= 5 ? data.readUInt32BE(1) + 5 : 5;
    }
    return out;
  }

  /** The call's status, once the stream closed. */
  status(): StatusLike {
    if (this.#local) return this.#local;
    const trailers = this.#trailerHeaders;
    if (trailers) {
      const code = trailers['grpc-status'];
      // an OK status needs the trailers only for what the app gets back; a failure reads its details there
      if (code === '0' && !carriesMetadata(trailers)) return { code: Status.OK, details: '' };
      const metadata = Metadata.fromHttp2Headers(trailers);
      if (typeof code === 'string') {
        metadata.remove('grpc-status');
        metadata.remove('grpc-message');
        const message = trailers['grpc-message'];
        this.trailers = metadata;
        return { code: Number(code), details: typeof message === 'string' ? decodeMessageText(message) : '', metadata };
      }
      if (this.#httpStatus !== 200) return httpStatusToGrpc(this.#httpStatus, metadata);
      return { code: Status.UNKNOWN, details: 'No status information received', metadata };
    }
    const error = this.#transportError as (NodeJS.ErrnoException & { cause?: Error }) | undefined;
    if (error?.code === 'ERR_HTTP2_STREAM_CANCEL' && error.cause) {
      // never sent: the connection could not be made (grpc-js's wording, which reads as a connect failure)
      return { code: Status.UNAVAILABLE, details: `No connection established. Last error: ${error.cause.message}` };
    }
    if (error) return { code: Status.UNAVAILABLE, details: `Connection dropped (${error.message})` };
    if (this.#httpStatus && this.#httpStatus !== 200) return httpStatusToGrpc(this.#httpStatus);
    if (this.#buffered > 0) return { code: Status.INTERNAL, details: 'The stream ended inside a message' };
    switch (this.stream.rstCode) {
      case NGHTTP2_NO_ERROR:
        return { code: Status.INTERNAL, details: 'Received RST_STREAM with code 0 (Call ended without gRPC status)' };
      case NGHTTP2_REFUSED_STREAM:
        return { code: Status.UNAVAILABLE, details: 'Stream refused by server' };
      case NGHTTP2_CANCEL:
        // Node closes a stream with CANCEL when its connection goes away
        if (this.#cancelled) return { code: Status.CANCELLED, details: 'Call cancelled' };
        return { code: Status.UNAVAILABLE, details: 'Connection dropped' };
      case NGHTTP2_ENHANCE_YOUR_CALM:
        return { code: Status.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
      case NGHTTP2_INADEQUATE_SECURITY:
        return { code: Status.PERMISSION_DENIED, details: 'Protocol not secure enough' };
      default:
        return { code: Status.INTERNAL, details: `Received RST_STREAM with code ${this.stream.rstCode}` };
    }
  }
}
