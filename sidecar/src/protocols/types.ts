/**
 * What a protocol is (Envoy generic_proxy's codec factory): a folder under `protocols/` exporting a
 * `ProtocolPlugin` — its name, its service schema and a loader — plus one line in `protocols/index.ts`.
 * The loaded `Protocol` makes clients (outbound), optionally a server (inbound), adds its local routes,
 * and says how its calls look in traces and metrics. Routing, retries, propagation, tracing and metrics
 * are shared.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '@opentelemetry/api';
import type { Call, CallTelemetry, Interceptor, Invoke, Reply } from '../pipeline/types.js';

export type { CallTelemetry };
import type { Endpoint, Registry, ServiceKey } from '../discovery/types.js';
import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Issue, Node } from '../config/dsl.js';
import type { Logger } from '../observability/logger.js';
import type { FerryMetrics } from '../observability/metrics.js';

/**
 * Get/set of propagated keys on one protocol's carrier (HTTP headers, Dubbo attachments, gRPC metadata).
 * Auth and trace propagation both go through it (the OpenTelemetry TextMap getter/setter pattern).
 */
export interface Carrier<C> {
  get(carrier: C, key: string): string | undefined;
  set(carrier: C, key: string, value: string): void;
  keys(carrier: C): string[];
}

/** Sends calls to one endpoint of one service. Connections are its business. */
export interface ProtocolClient {
  invoke(call: Call, endpoint: Endpoint): Promise<Reply>;
  /** False while the endpoint asked not to get new calls (a Dubbo provider's read-only event). */
  available?(endpoint: Endpoint): boolean;
  /** Called when an endpoint leaves discovery, so pooled connections can be closed. */
  forget?(endpoint: Endpoint): void;
  close(): Promise<void>;
}

/** What protocol clients report about their transport (metrics listen; nothing here may throw into a call). */
export interface UpstreamEvents {
  connection(protocol: string, endpoint: string, delta: 1 | -1): void;
  decodeError(protocol: string): void;
}

export interface ProtocolContext {
  config: FerryConfig;
  logger: Logger;
  events?: UpstreamEvents;
  /** The service's registry, when it has one: watch, registration, provider metadata. */
  registry?: Registry;
  /** The address this pod is reached at (what registry records carry). */
  host: string;
}

/** A service's route as protocol code sees it (the router's routes are these). */
export interface RouteHandle {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly timeoutMs: number;
  /** A call's whole budget for `method` (its named policy or timeoutMs, else the service's). */
  timeoutFor?(method: string): number;
  readonly invoke: Invoke;
  readonly source: { ready(): Promise<void> };
}

/** The app's request as a call is made from it, whichever server part holds it (fastify or the hot lane). */
export interface LocalRequest {
  readonly headers: IncomingHttpHeaders;
  /** `x-request-id`: the app's, else one made for it. */
  readonly id: string;
  /** The answer: closed before it finished is the app gone (the call's signal aborts). */
  readonly res: ServerResponse;
  /** The SERVER span's context, when tracing is on. */
  readonly trace: Context | undefined;
}

/** What a protocol's local routes (`/v1/batch`, `/v1/dubbo/invoke`) get from the server. */
export interface LocalRouteKit {
  /** The current config (swapped on reload). */
  config(): FerryConfig;
  route(name: string): RouteHandle | undefined;
  /** A route for a service that is not in config (ad-hoc calls), built once per distinct name, at most `max` of them. */
  adhoc(service: ServiceConfig, max: number): Promise<RouteHandle>;
  /** The Call of an app request (deadline, signal, explicit attachments, trace context). */
  call(request: FastifyRequest, reply: FastifyReply, route: RouteHandle, method: string, args: unknown): Call;
  /** Writes a Reply to the app. */
  send(reply: FastifyReply, result: Reply): FastifyReply;
  /** Bodies parsed as JSON whatever the content type says (as `/v1/invoke` does), at most `limits.jsonDepth` deep. */
  jsonBodies(app: FastifyInstance): void;
}

export type LocalRoute = (kit: LocalRouteKit) => (app: FastifyInstance) => Promise<void>;

/** A request on a hot route: the `:service` segment and the one after it decoded, the JSON body parsed. */
export interface HotRequest extends LocalRequest {
  readonly raw: IncomingMessage;
  readonly service: string;
  /** The `:method` segment (`service/method` routes); '' on `service/*` routes. */
  readonly method: string;
  /** As fastify decides: not for GET and HEAD; for others, a `content-length` above 0 or a `transfer-encoding`. */
  readonly hasBody: boolean;
  /** `body: 'json'` routes: the parsed body (undefined without one) and its text as it came. */
  readonly body: unknown;
  readonly bodyText: string | undefined;
}

/**
 * A route every call takes (`/v1/proxy`, `/v1/invoke`), answered by the server's request listener itself rather
 * than by fastify (server/hot-lane.ts says why). The lane does what fastify's hooks do for the others: request id,
 * drain, loopback guard, API token, SERVER span, body limit, the error table; the route makes the Reply.
 */
export interface HotRoute {
  /** Requests whose target starts with it: `/v1/proxy/`. */
  readonly prefix: string;
  /** In fastify's notation, for the span's name and `http.route`: `/v1/proxy/:service/*`. */
  readonly pattern: string;
  /** `service/method`: exactly two segments; `service/*`: the service, then anything. */
  readonly shape: 'service/method' | 'service/*';
  /** Only these methods (others go on to fastify, which answers 404); all when absent. */
  readonly methods?: readonly string[];
  /** `json`: read and parsed up to `limits.bodyBytes` as `/v1/invoke` does; `raw`: the route reads `raw` itself. */
  readonly body: 'json' | 'raw';
  handle(request: HotRequest): Promise<Reply>;
}

/** What a hot route gets from the server. */
export interface HotRouteKit {
  config(): FerryConfig;
  route(name: string): RouteHandle | undefined;
  call(request: LocalRequest, route: RouteHandle, method: string, args: unknown, argsJson?: string): Call;
}

export type HotRouteFactory = (kit: HotRouteKit) => HotRoute;

/** Ferry serving a protocol in front of the app (inbound). */
export interface ProtocolServer {
  /** The bound port (after `start`). */
  readonly port: number;
  /** Calls being answered right now. */
  readonly inFlight: number;
  /** Listens (and registers); resolves with the bound port. */
  start(): Promise<number>;
  /** Stops taking calls, answers those in flight (at most `drainTimeoutMs`), closes. */
  close(drainTimeoutMs: number): Promise<void>;
}

/** What an inbound server asks for when it composes its chain (see `routing/inbound.ts`). */
export interface InboundSpec {
  /** The protocol label (`dubbo`) and `rpc.system` (`apache_dubbo`). */
  readonly protocol: string;
  readonly system: string;
  /** Received keys that are the protocol's own and never become the app's headers. */
  reserved(name: string): boolean;
  /** The protocol's innermost stage: the app's HTTP answer → the protocol's reply (or a failure). */
  answer: Interceptor;
}

export interface ServerContext {
  config: FerryConfig;
  logger: Logger;
  metrics?: FerryMetrics;
  /** Composes the inbound chain (observe → propagation → timeout → answer → the app); the server owns it. */
  inboundChain(spec: InboundSpec): { readonly invoke: Invoke; close(): Promise<void> };
  /** A new handle on a configured registry: the server owns it (closes it when it closes). */
  registry(name: string): Registry;
  /** The address this pod is reached at (what registry records carry). */
  host: string;
}

/** A loaded protocol. `C` is its own service config type (what its schema yields). */
export interface Protocol<C extends ServiceConfig = ServiceConfig> {
  readonly name: string;
  /** Provider URL schemes it takes from registries (`dubbo`, `tri`, `jsonrpc`); empty: static endpoints only. */
  readonly schemes: readonly string[];
  /** How registries name the service (interface, version, group). */
  serviceKey(service: C): ServiceKey;
  createClient(service: C, ctx: ProtocolContext): ProtocolClient;
  /** The inbound server, when the config asks for one. */
  createServer?(ctx: ServerContext): ProtocolServer | undefined;
  telemetry(service: C): CallTelemetry;
}

/** The eager part of a protocol: enough to validate config; `load()` brings in the rest (dynamic import). */
export interface ProtocolPlugin<C extends ServiceConfig = ServiceConfig> {
  readonly name: string;
  /** Its `services.<name>` schema (`config/service.ts` `serviceSchema`): what `C` is, checked. */
  readonly schema: Node<unknown>;
  /** Its `inbound.<name>` section, when it can serve the app to others (`createServer`); optional in config. */
  readonly inbound?: Node<unknown>;
  /** Makes the service's file paths absolute (`resolve` is relative to the config file's folder). */
  resolvePaths?(service: C, resolve: (path: string) => string): void;
  /** After `resolvePaths`: the files the service names are there (`ferry check` and reloads refuse a config without them). */
  checkFiles?(service: C, path: string, issues: Issue[]): void;
  /**
   * Routes this protocol adds to the local API, mounted whether or not the config uses the protocol (routes
   * cannot be added to a listening server, and a reload may bring the protocol in): keep their modules light;
   * what they call through the kit loads the protocol's code when a route for it is built.
   */
  readonly routes?: readonly LocalRoute[];
  /** Its routes that every call takes, answered past fastify (`HotRoute`); mounted like `routes`. */
  readonly hotRoutes?: readonly HotRouteFactory[];
  /** The rest of the protocol (clients, codecs, servers), imported when a config or an ad-hoc call first needs it. */
  load(): Promise<Protocol<C>>;
}

/** A plug-in as the registry of protocols holds it: its service config type erased. */
export interface ProtocolEntry {
  readonly name: string;
  readonly schema: Node<unknown>;
  readonly inbound?: Node<unknown>;
  resolvePaths?(service: never, resolve: (path: string) => string): void;
  checkFiles?(service: never, path: string, issues: Issue[]): void;
  readonly routes?: readonly LocalRoute[];
  readonly hotRoutes?: readonly HotRouteFactory[];
  load(): Promise<Protocol<never>>;
}
