/**
 * The service graph of this pod, from the model's figures and the routes' topology: callers → app → services →
 * endpoints, each node and edge with a health colour. Pure: same inputs, same graph.
 */
import { type ConsoleModel } from './model.js';
import { type WindowSummary } from './window.js';
export type Health = 'ok' | 'idle' | 'degraded' | 'failing' | 'down' | 'gone';
/** Error share (live window) at which an edge or node is failing (red); any error below it is degraded (amber). */
export declare const FAILING_ERROR_RATE = 0.05;
/** Endpoints drawn per service (busiest first); the rest fold into one `+N` node. */
export declare const ENDPOINTS_DRAWN = 12;
/** Seconds an endpoint that left discovery (or an idle unconfigured service) stays drawn. */
export declare const GONE_SECONDS = 60;
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
export declare const APP_NODE = "app";
export declare const serviceNode: (name: string) => string;
export declare const endpointNode: (service: string, id: string) => string;
export declare const callerNode: (name: string) => string;
/** The colour of figures alone: failing, degraded, ok or idle. */
export declare function trafficHealth(s: WindowSummary): Health;
export declare function buildGraph(model: ConsoleModel, topology: Topology, now: number): Graph;
