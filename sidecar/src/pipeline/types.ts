import type { Readable } from 'node:stream';
import type { Attributes, Context } from '@opentelemetry/api';
import type { Endpoint } from '../discovery/types.js';
import type { ServiceConfig } from '../config/schema.js';

/** The raw HTTP side of a pass-through call (`/v1/proxy/...`). */
export interface HttpExchange {
  method: string;
  /** Path and query to send upstream, already checked to stay inside the service. */
  path: string;
  /** Request headers to forward (hop-by-hop already removed). */
  headers: Record<string, string | string[]>;
  /** The app's body: whole when it had all come with the request, else streamed as it arrives. */
  body?: Readable | Buffer;
}

/** Argument and result types a caller states for one call (ad-hoc Dubbo calls), ahead of the service's config. */
export interface CallSignature {
  parameterTypes: readonly string[];
  returns?: string;
  /** The caller invokes generically: POJOs travel as maps (Dubbo's `$invoke`). */
  generic?: boolean;
}

/**
 * One call, whatever the protocol and whichever the direction: built by the server from the app's request
 * (or by an inbound protocol server from a consumer's request), then passed through a route's chain.
 * It carries the call only: what the route knows (config, endpoints, client) is given to each interceptor
 * when the route composes its chain.
 */
export interface Call {
  /** Configured service name (ad-hoc Dubbo calls get a synthetic one). */
  service: string;
  method: string;
  /** Arguments as the app sent them (parsed JSON). */
  args: unknown;
  /** The JSON text `args` was parsed from (an invoke body), for a client that sends JSON on as it came. */
  argsJson?: string | undefined;
  /** Headers of the caller's request (lower-case names), as received. */
  incomingHeaders: Record<string, string | string[] | undefined>;
  /**
   * Headers/attachments/metadata to send upstream, lower-case names. The propagation and tracing
   * interceptors fill it; each protocol client writes it with its own carrier.
   */
  outgoing: Record<string, string>;
  /** Absolute deadline (epoch ms) bounding every attempt. */
  deadline: number;
  /** Aborted when the caller goes away or Ferry gives up on the call. */
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
  /**
   * The trace context the call's spans hang from: the local request's SERVER span (set by the server), then
   * the call's own parent as the tracing interceptor resolved it (attempt spans are its children).
   */
  trace?: Context;
  /** Types stated per call (ad-hoc Dubbo calls, the method an inbound call resolved to). */
  signature?: CallSignature;
  /** Where an inbound call came from (a consumer's socket). */
  peer?: { address?: string; port?: number };
}

/** Headers (or attachments, trailers) the upstream sent back for the app. */
export type ReplyHeaders = Record<string, string>;

/** The answer to a Call: exactly one shape, told apart by `kind`. */
export type Reply =
  | { readonly kind: 'value'; value: unknown; headers?: ReplyHeaders }
  /** Messages of a server-streaming call, each sent to the app as one NDJSON line as it arrives. */
  | { readonly kind: 'stream'; stream: AsyncIterable<unknown>; headers?: ReplyHeaders }
  /** A raw HTTP answer (pass-through and HTTP invoke): status, end-to-end headers, body. */
  | { readonly kind: 'http'; statusCode: number; headers: Record<string, string | string[]>; body: Readable | Buffer }
  /** A one-way call was sent; nothing will come back (202 for the app). */
  | { readonly kind: 'accepted' };

export type Invoke = (call: Call) => Promise<Reply>;
export type Interceptor = (next: Invoke) => Invoke;

/** What a route tells the interceptors it composes: fixed for the route's life, given at compose time. */
export interface RouteInfo {
  /** The configured (or ad-hoc) service name. */
  readonly service: string;
  /** The protocol's name (`dubbo`, `http`…): the metrics label. */
  readonly protocol: string;
  readonly config: ServiceConfig;
  /** The service's timeout (method timeouts shorten the call's deadline). */
  readonly timeoutMs: number;
  /** How the protocol's calls look in traces and metrics. */
  readonly telemetry: CallTelemetry;
}

/** How a protocol's calls to one service look in traces and metrics (the protocol builds it once per route). */
export interface CallTelemetry {
  /** The CLIENT span's name. */
  spanName(call: Call): string;
  /** Protocol attributes of a recorded CLIENT span (computed for sampled calls only). */
  spanAttributes(call: Call, endpoint: Endpoint): Attributes;
  /** Attributes of an outcome: the answer, or a failure's upstream status (`rpc.grpc.status_code`…). */
  outcomeAttributes(reply: Reply | undefined, upstreamStatus: unknown): Attributes | undefined;
  /** Whether an outcome code shows the method is real (answered, or raised from), so its name may be a label value. */
  methodAccepted(code: string): boolean;
  /** True when an undeclared method name never becomes a label value (an HTTP invoke's method is a path). */
  readonly declaredMethodsOnly?: boolean;
}

/** What the resilience stages tell the route's listeners (the metrics): rare events, never one per successful call. */
export type ResilienceEvent =
  | { readonly kind: 'ejection'; readonly endpoint: string; readonly forMs: number }
  | { readonly kind: 'shed'; readonly reason: 'event_loop' | 'concurrency' }
  | { readonly kind: 'retry_budget_exhausted' };
