import type { Readable } from 'node:stream';
import type { Endpoint } from '../discovery/types.js';
import type { ServiceRoute } from '../routing/router.js';

/** The raw HTTP side of a pass-through call (`/v1/proxy/...`). */
export interface HttpExchange {
  method: string;
  /** Path and query to send upstream, already checked to stay inside the service. */
  path: string;
  /** Request headers to forward (hop-by-hop already removed). */
  headers: Record<string, string | string[]>;
  body?: Readable;
}

/**
 * One call, whatever the protocol: built by the server from the app's request (or by an inbound protocol
 * server), then passed through the interceptor chain to a protocol client.
 */
export interface Call {
  /** Configured service name (ad-hoc Dubbo calls get a synthetic one). */
  service: string;
  method: string;
  /** Arguments as the app sent them (parsed JSON). */
  args: unknown;
  /** The resolved service: config, protocol client, endpoints, balancer. */
  route: ServiceRoute;
  /** Headers of the app's request (lower-case names), as received. */
  incomingHeaders: Record<string, string | string[] | undefined>;
  /**
   * Headers/attachments/metadata to send upstream, lower-case names. The propagation and tracing
   * interceptors fill it; each protocol client writes it with its own carrier.
   */
  outgoing: Record<string, string>;
  /** Absolute deadline (epoch ms) bounding every attempt. */
  deadline: number;
  /** Aborted when the app goes away or Ferry gives up on the call. */
  signal: AbortSignal;
  /** Fire and forget (JSON-RPC notification, Dubbo one-way). */
  oneWay: boolean;
  requestId: string;
  /** Which attempt this is (1-based); set by the retry interceptor. */
  attempt: number;
  /** Picked by the balancer interceptor for the current attempt. */
  endpoint?: Endpoint;
  /** Set for `/v1/proxy` calls. */
  http?: HttpExchange;
  /** Protocol-specific extras (e.g. the ad-hoc Dubbo target, a JSON-RPC batch). */
  extra?: Record<string, unknown>;
}

/** The answer to a Call. Exactly one of `value`, `stream` or `http` is meaningful. */
export interface Reply {
  value?: unknown;
  /** Messages of a server-streaming call, each sent to the app as one NDJSON line as it arrives. */
  stream?: AsyncIterable<unknown>;
  /** A raw HTTP answer (pass-through). */
  http?: { statusCode: number; headers: Record<string, string | string[]>; body: Readable | Buffer };
  /** Headers/attachments/trailers the upstream sent back, for the app. */
  headers?: Record<string, string>;
  /** HTTP status for the app when not 200 (e.g. 202 for one-way calls). */
  statusCode?: number;
}

export type Invoke = (call: Call) => Promise<Reply>;
export type Interceptor = (next: Invoke) => Invoke;
