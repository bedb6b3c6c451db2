/**
 * What the console knows about calls, fed by the observe stage (outbound), the attempt stage (per endpoint) and
 * the inbound server (calls from other applications). Plain numbers in fixed-size windows; every map is
 * bounded (a flood of distinct ad-hoc targets, caller names or method names folds into one `(other)` entry),
 * and entries idle for `idleEvictMs` are dropped. Recording never throws and allocates only for a new entry or
 * a failed call.
 */
import { CallWindow } from './window.js';
export declare const OTHER = "(other)";
export interface ModelLimits {
    /** Services tracked (configured and ad-hoc together). */
    services: number;
    methodsPerService: number;
    endpointsPerService: number;
    /** Inbound caller applications. */
    callers: number;
    /** Inbound services (interfaces) tracked. */
    inboundServices: number;
    /** Failed calls kept for "Recent errors". */
    recentErrors: number;
    /** An entry without calls for this long is forgotten (configured services stay listed through the topology). */
    idleEvictMs: number;
}
export declare const DEFAULT_LIMITS: ModelLimits;
/** What the console shows of a failure: the error table's code, the message and what the upstream said. */
export interface Failure {
    code: string;
    message: string;
    upstream?: unknown;
}
export interface RecentError extends Failure {
    at: number;
    direction: 'outbound' | 'inbound';
    service: string;
    method: string;
    /** Inbound: the calling application. */
    caller?: string;
    /** Outbound: the endpoint of the last attempt. */
    endpoint?: string;
    traceId?: string;
}
export declare class Series {
    readonly window: CallWindow;
    inFlight: number;
    lastError?: Failure & {
        at: number;
    };
    /** Epoch ms of the last activity (recording or attempt start). */
    touched: number;
    record(now: number, ms: number, failure: Failure | undefined): void;
}
/** A Map that never holds more than `max` keys: new keys beyond it share the `(other)` entry. */
export declare class BoundedMap<V extends {
    touched: number;
}> {
    #private;
    readonly max: number;
    constructor(max: number);
    /** The entry for `key`, made by `make` when new (or the shared `(other)` entry once full). */
    get(key: string, make: (key: string) => V): V;
    peek(key: string): V | undefined;
    get size(): number;
    entries(): IterableIterator<[string, V]>;
    /** Drops entries idle since before `cutoff` (ms) that `keep` does not protect. */
    evict(cutoff: number, keep?: (key: string, value: V) => boolean): void;
}
export declare class ServiceStats {
    readonly name: string;
    readonly protocol: string;
    readonly calls: Series;
    readonly methods: BoundedMap<Series>;
    readonly endpoints: BoundedMap<Series>;
    touched: number;
    constructor(name: string, protocol: string, limits: ModelLimits);
}
export declare class InboundStats {
    readonly name: string;
    readonly protocol: string;
    readonly calls: Series;
    readonly methods: BoundedMap<Series>;
    touched: number;
    constructor(name: string, protocol: string, limits: ModelLimits);
}
export declare class ConsoleModel {
    #private;
    readonly limits: ModelLimits;
    readonly services: BoundedMap<ServiceStats>;
    readonly callers: BoundedMap<Series>;
    readonly inbound: BoundedMap<InboundStats>;
    /** Failed calls seen since start (the UI notices new ones by this number). */
    errorCount: number;
    constructor(limits?: Partial<ModelLimits>);
    service(name: string, protocol: string): ServiceStats;
    /** One outbound call as the app saw it (all attempts). */
    outbound(service: string, protocol: string, method: string, now: number, ms: number, failure?: Failure, detail?: {
        endpoint?: string;
        traceId?: string;
    }): void;
    /** An attempt to one endpoint began; pair with `attemptEnd` (calls in flight per endpoint). */
    attemptStart(service: string, protocol: string, endpoint: string, now: number): Series;
    attemptEnd(series: Series, now: number, ms: number, failure?: Failure): void;
    /** One call that came in from another application (Ferry as a provider in front of the app). */
    inboundCall(caller: string, service: string, protocol: string, method: string, now: number, ms: number, failure?: Failure, traceId?: string): void;
    /** The last failures, newest first. */
    recentErrors(): RecentError[];
    /** Forgets idle entries; `keepService` protects configured services. */
    sweep(now: number, keepService?: (name: string) => boolean): void;
}
