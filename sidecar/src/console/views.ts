/**
 * The shapes the console's API answers with (`/admin/v1/…`): shared by the server and the pages (type-only).
 */
import type { TopologyEndpoint } from './graph.js';
import type { RecentError, Series } from './model.js';
import type { WindowSummary } from './window.js';

export type { Graph, GraphEdge, GraphNode, Health } from './graph.js';
export type { RecentError } from './model.js';

/** The live figures without the per-second series. */
export type Figures = Omit<WindowSummary, 'series'>;

export interface MethodView extends Figures {
  name: string;
  declared: boolean;
}

export interface EndpointView extends TopologyEndpoint, Figures {
  state: 'up' | 'breaker open' | 'read-only' | 'left discovery';
  inFlight: number;
  lastError?: Series['lastError'];
}

export interface ServiceView extends Figures {
  name: string;
  label: string;
  protocol: string;
  adhoc: boolean;
  discovery: string;
  interface?: string;
  version?: string;
  group?: string;
  loadBalancer: string;
  timeoutMs: number;
  retries: number;
  endpoints: EndpointView[];
  methods: MethodView[];
}

export interface InboundView extends Figures {
  interface: string;
  protocol: string;
  version?: string;
  group?: string;
  methods: MethodView[];
}

export interface ServicesView {
  services: ServiceView[];
  inbound: InboundView[];
  callers: Array<Figures & { name: string }>;
}

export interface PathState {
  path: string;
  services: string[];
  endpoints: number;
  lastChange?: number;
}

export interface RegistryView {
  name: string;
  type: string;
  address: string;
  root: string;
  state: string;
  sessionId?: string;
  /** New sessions so far (a replacement after expiry adds one). */
  generation: number;
  /** When the state last changed (epoch ms). */
  since: number;
  watched: PathState[];
  registered: string[];
}

export interface ErrorsView {
  errors: RecentError[];
  /** Prefix of a trace's page in Zipkin's UI, when traces are exported to Zipkin. */
  zipkin?: string;
}

export interface ReloadResult {
  at: number;
  ok: boolean;
  message: string;
}

export interface ConfigView {
  config: unknown;
  startedAt: number;
  lastReload?: ReloadResult;
}

