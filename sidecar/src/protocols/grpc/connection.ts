import http2 from 'node:http2';
import type { Endpoint } from '../../discovery/types.js';
import { openStream } from './open-stream.js';

/**
 * Keepalive pings every 5 minutes, only while calls are open: what servers permit by default (grpc-java's
 * `permitKeepAliveTime`), so none answers with GOAWAY `too_many_pings`.
 */
const KEEPALIVE_MS = 300_000;
const KEEPALIVE_TIMEOUT_MS = 20_000;
/** Node's own limit on session memory degrades badly once reached (grpc-js lifts it too). */
const SESSION_OPTIONS: http2.ClientSessionOptions = { maxSessionMemory: Number.MAX_SAFE_INTEGER, settings: { enablePush: false } };

function authority(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/**
 * One HTTP/2 connection to an endpoint, opened on first use and again on the next call after it closed,
 * failed or was sent a GOAWAY (calls already on it finish there). Pings keep an idle-looking connection with
 * open calls honest: an unanswered ping closes it, and its calls fail as connection losses.
 */
export class GrpcConnection {
  readonly authority: string;
  readonly #url: string;
  #link: Link | undefined;
  #closed = false;

  constructor(endpoint: Endpoint, tls: boolean) {
    this.authority = authority(endpoint);
    this.#url = `${tls ? 'https' : 'http'}://${this.authority}`;
  }

  /** A new stream for one call (while it is open, its session keeps the process alive). */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    let link = this.#current();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = openStream(link.session, headers);
    } catch {
      // closed or GOAWAY'd under us before its event arrived: once more on a fresh session
      this.#drop(link);
      link = this.#current();
      stream = openStream(link.session, headers);
    }
    if (link.open++ === 0) link.session.ref();
    stream.once('close', () => {
      if (--link.open === 0) link.session.unref();
    });
    return stream;
  }

  close(): void {
    this.#closed = true;
    this.#link?.session.close();
    this.#link = undefined;
  }

  #current(): Link {
    const existing = this.#link;
    if (existing && !existing.session.closed && !existing.session.destroyed) return existing;
    if (this.#closed) throw new Error('the connection was closed');
    const session = http2.connect(this.#url, SESSION_OPTIONS);
    const link: Link = { session, open: 0 };
    this.#link = link;
    session.unref();
    // failures reach the calls through their streams; the session only leaves
    session.on('error', () => this.#drop(link));
    session.once('goaway', () => this.#drop(link));
    session.once('close', () => {
      clearInterval(pings);
      this.#drop(link);
    });
    const pings = setInterval(() => {
      if (link.open === 0 || session.destroyed) return;
      const timer = setTimeout(() => session.destroy(new Error('keepalive ping not answered: connection dropped')), KEEPALIVE_TIMEOUT_MS);
      timer.unref();
      session.ping((err) => {
        clearTimeout(timer);
        if (err) session.destroy(err);
      });
    }, KEEPALIVE_MS);
    pings.unref();
    return link;
  }

  #drop(link: Link): void {
    if (this.#link === link) this.#link = undefined;
  }
}

interface Link {
  readonly session: http2.ClientHttp2Session;
  /** Calls open on it. */
  open: number;
}
