/**
 * The service graph of this pod, from the model's figures and the routes' topology: callers → app → services →
 * endpoints, each node and edge with a health colour. Pure: same inputs, same graph.
 */
import { OTHER, type ConsoleModel, type Series } from './model.js';
import { emptySummary, type WindowSummary } from './window.js';

export type Health = 'ok' | 'idle' | 'degraded' | 'failing' | 'down' | 'gone';

/** Error share (live window) at which an edge or node is failing (red); any error below it is degraded (amber). */
export const FAILING_ERROR_RATE = 0.05;
/** Endpoints drawn per service (busiest first); the rest fold into one `+N` node. */
export const ENDPOINTS_DRAWN = 12;
/** Seconds an endpoint that left discovery (or an idle unconfigured service) stays drawn. */
export const GONE_SECONDS = 60;

export interface TopologyEndpoint {
  id: string;
  address: string;
  weight: number;
  version?: string;
  group?: string;
  breakerOpen: boolean;
  /** False while the endpoint asked for no new calls (a Dubbo provider's read-only event). */
  available: boolean;
}

export interface TopologyService {
  name: string;
  label: string;
  protocol: string;
  adhoc: boolean;
  /** `static` or `zookeeper <registry>`. */
  discovery: string;
  endpoints: TopologyEndpoint[];
}

export interface Topology {
  application: string;
  services: TopologyService[];
}

export interface GraphNode {
  id: string;
  kind: 'app' | 'service' | 'endpoint' | 'caller';
  label: string;
  health: Health;
  protocol?: string;
  /** Endpoint nodes: the service they serve. */
  service?: string;
  /** Short status text (e.g. "2 providers", "breaker open"). */
  detail?: string;
}

export interface GraphEdge extends WindowSummary {
  id: string;
  source: string;
  target: string;
  health: Health;
}

export interface Graph {
  at: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  errorCount: number;
}

export const APP_NODE = 'app';
export const serviceNode = (name: string) => `service:${name}`;
export const endpointNode = (service: string, id: string) => `endpoint:${service}/${id}`;
export const callerNode = (name: string) => `caller:${name}`;

/** The colour of figures alone: failing, degraded, ok or idle. */
export function trafficHealth(s: WindowSummary): Health {
  if (s.calls === 0) return 'idle';
  if (s.errorRate >= FAILING_ERROR_RATE) return 'failing';
  return s.errors > 0 ? 'degraded' : 'ok';
}

/** The worse of two healths, for a node whose discovery state and traffic disagree. */
function worst(a: Health, b: Health): Health {
  const rank: Record<Health, number> = { idle: 0, ok: 1, degraded: 2, failing: 3, gone: 4, down: 5 };
  return rank[a] >= rank[b] ? a : b;
}

export function buildGraph(model: ConsoleModel, topology: Topology, now: number): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const edge = (source: string, target: string, summary: WindowSummary): GraphEdge => {
    const e: GraphEdge = { id: `${source}->${target}`, source, target, health: trafficHealth(summary), ...summary };
    edges.push(e);
    return e;
  };

  let inboundCalls = 0;
  let inboundErrors = 0;
  for (const [name, series] of model.callers.entries()) {
    if (!series.window.activeWithin(now, GONE_SECONDS)) continue;
    const summary = series.window.summary(now);
    inboundCalls += summary.calls;
    inboundErrors += summary.errors;
    const id = callerNode(name);
    nodes.push({ id, kind: 'caller', label: name === OTHER ? '(other callers)' : name, health: trafficHealth(summary) });
    edge(id, APP_NODE, summary);
  }
  // the app is the upstream of inbound calls: their failures are its health
  const appHealth =
    inboundCalls === 0 ? 'ok' : inboundErrors / inboundCalls >= FAILING_ERROR_RATE ? 'failing' : inboundErrors ? 'degraded' : 'ok';
  nodes.unshift({ id: APP_NODE, kind: 'app', label: topology.application, health: appHealth });

  const drawn = new Set<string>();
  for (const service of topology.services) {
    const stats = model.services.peek(service.name);
    if (service.adhoc && !stats?.calls.window.activeWithin(now, GONE_SECONDS)) continue;
    drawn.add(service.name);
    const id = serviceNode(service.name);
    const summary = summaryOf(stats?.calls, now);
    const e = edge(APP_NODE, id, summary);
    const present = service.endpoints.filter((ep) => !ep.breakerOpen);
    let health = trafficHealth(summary);
    if (present.length === 0) health = 'down';
    else if (present.length < service.endpoints.length) health = worst(health, 'degraded');
    e.health = worst(e.health, health === 'down' ? 'failing' : 'idle');
    const count = service.endpoints.length;
    nodes.push({
      id,
      kind: 'service',
      label: service.label,
      health,
      protocol: service.protocol,
      detail:
        count === 0
          ? 'no endpoints'
          : `${count} endpoint${count === 1 ? '' : 's'}${present.length < count ? `, ${count - present.length} breaker open` : ''}`,
    });
    endpointNodes(service, stats?.endpoints, now, nodes, edge);
  }
  // services seen in traffic but not (or no longer) routed: a reload removed them, or the `(other)` overflow
  for (const [name, stats] of model.services.entries()) {
    if (drawn.has(name) || !stats.calls.window.activeWithin(now, GONE_SECONDS)) continue;
    const id = serviceNode(name);
    const summary = stats.calls.window.summary(now);
    nodes.push({
      id,
      kind: 'service',
      label: name === OTHER ? '(other services)' : name,
      health: trafficHealth(summary),
      protocol: stats.protocol,
    });
    edge(APP_NODE, id, summary);
  }
  return { at: now, nodes, edges, errorCount: model.errorCount };
}

/** `http://10.0.0.7:8080` → `10.0.0.7:8080`: the scheme is the service's protocol, shown on its node. */
const shortAddress = (id: string) => id.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');

function summaryOf(series: Series | undefined, now: number): WindowSummary {
  return series ? series.window.summary(now) : emptySummary();
}

function endpointNodes(
  service: TopologyService,
  stats: { entries(): IterableIterator<[string, Series]> } | undefined,
  now: number,
  nodes: GraphNode[],
  edge: (source: string, target: string, summary: WindowSummary) => GraphEdge,
): void {
  const seen = new Map(stats ? [...stats.entries()] : []);
  type Row = { id: string; label: string; summary: WindowSummary; health: Health; detail?: string };
  const rows: Row[] = [];
  for (const ep of service.endpoints) {
    const summary = summaryOf(seen.get(ep.id), now);
    seen.delete(ep.id);
    const health = ep.breakerOpen ? 'down' : ep.available ? trafficHealth(summary) : worst(trafficHealth(summary), 'degraded');
    rows.push({
      id: ep.id,
      label: shortAddress(ep.id),
      summary,
      health,
      ...(ep.breakerOpen ? { detail: 'breaker open' } : ep.available ? {} : { detail: 'read-only' }),
    });
  }
  // attempted lately but gone from discovery: drawn red for a while, so a provider that died is seen
  for (const [id, series] of seen) {
    if (id === OTHER || !series.window.activeWithin(now, GONE_SECONDS)) continue;
    rows.push({ id, label: shortAddress(id), summary: series.window.summary(now), health: 'gone', detail: 'left discovery' });
  }
  rows.sort((a, b) => b.summary.calls - a.summary.calls || a.id.localeCompare(b.id));
  const parent = serviceNode(service.name);
  for (const row of rows.slice(0, ENDPOINTS_DRAWN)) {
    const id = endpointNode(service.name, row.id);
    nodes.push({
      id,
      kind: 'endpoint',
      label: row.label,
      health: row.health,
      service: service.name,
      ...(row.detail ? { detail: row.detail } : {}),
    });
    const e = edge(parent, id, row.summary);
    if (row.health === 'down' || row.health === 'gone') e.health = worst(e.health, 'failing');
  }
  const rest = rows.length - ENDPOINTS_DRAWN;
  if (rest > 0) {
    const id = endpointNode(service.name, '+more');
    nodes.push({ id, kind: 'endpoint', label: `+${rest} more`, health: 'idle', service: service.name });
  }
}
