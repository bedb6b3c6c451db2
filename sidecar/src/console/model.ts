/**
 * What the console knows about calls, fed by the observe stage (outbound), the attempt stage (per endpoint) and
 * the inbound server (calls from other applications). Plain numbers in fixed-size windows; every map is
 * bounded (a flood of distinct ad-hoc targets, caller names or method names folds into one `(other)` entry),
 * and entries idle for `idleEvictMs` are dropped. Recording never throws and allocates only for a new entry or
 * a failed call.
 */
import { CallWindow } from './window.js';

export const OTHER = '(other)';

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

export const DEFAULT_LIMITS: ModelLimits = {
  services: 128,
  methodsPerService: 64,
  endpointsPerService: 64,
  callers: 64,
  inboundServices: 64,
  recentErrors: 100,
  idleEvictMs: 10 * 60_000,
};

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

export class Series {
  readonly window = new CallWindow();
  inFlight = 0;
  lastError?: Failure & { at: number };
  /** Epoch ms of the last activity (recording or attempt start). */
  touched = 0;

  record(now: number, ms: number, failure: Failure | undefined): void {
    this.window.record(now, ms, failure !== undefined);
    this.touched = now;
    if (failure)
      this.lastError = {
        at: now,
        code: failure.code,
        message: failure.message,
        ...(failure.upstream === undefined ? {} : { upstream: failure.upstream }),
      };
  }
}

/** A Map that never holds more than `max` keys: new keys beyond it share the `(other)` entry. */
export class BoundedMap<V extends { touched: number }> {
  readonly #entries = new Map<string, V>();
  constructor(readonly max: number) {}

  /** The entry for `key`, made by `make` when new (or the shared `(other)` entry once full). */
  get(key: string, make: (key: string) => V): V {
    const entry = this.#entries.get(key);
    return entry ?? this.#add(key, make);
  }

  peek(key: string): V | undefined {
    return this.#entries.get(key);
  }

  #add(key: string, make: (key: string) => V): V {
    if (this.#entries.size >= this.max - 1 && key !== OTHER) return this.get(OTHER, make);
    const entry = make(key);
    this.#entries.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.#entries.entries();
  }

  /** Drops entries idle since before `cutoff` (ms) that `keep` does not protect. */
  evict(cutoff: number, keep: (key: string, value: V) => boolean = () => false): void {
    for (const [key, value] of this.#entries) if (value.touched < cutoff && !keep(key, value)) this.#entries.delete(key);
  }
}

const newSeries = (): Series => new Series();

/** One service's figures: all its calls, and per method. */
export class InboundStats {
  readonly calls = new Series();
  readonly methods: BoundedMap<Series>;
  touched = 0;

  constructor(
    readonly name: string,
    readonly protocol: string,
    limits: ModelLimits,
  ) {
    this.methods = new BoundedMap(limits.methodsPerService);
  }
}

/** An outbound service's figures, and per endpoint (attempts). */
export class ServiceStats extends InboundStats {
  readonly endpoints: BoundedMap<Series>;

  constructor(name: string, protocol: string, limits: ModelLimits) {
    super(name, protocol, limits);
    this.endpoints = new BoundedMap(limits.endpointsPerService);
  }
}

export class ConsoleModel {
  readonly limits: ModelLimits;
  readonly services: BoundedMap<ServiceStats>;
  readonly callers: BoundedMap<Series>;
  readonly inbound: BoundedMap<InboundStats>;
  /** A ring: `#errorsNext` is where the next failure goes. */
  readonly #errors: RecentError[] = [];
  #errorsNext = 0;
  /** Failed calls seen since start (the UI notices new ones by this number). */
  errorCount = 0;

  constructor(limits: Partial<ModelLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.services = new BoundedMap(this.limits.services);
    this.callers = new BoundedMap(this.limits.callers);
    this.inbound = new BoundedMap(this.limits.inboundServices);
  }

  service(name: string, protocol: string): ServiceStats {
    return (
      this.services.peek(name) ?? this.services.get(name, (key) => new ServiceStats(key, key === OTHER ? 'mixed' : protocol, this.limits))
    );
  }

  /** One outbound call as the app saw it (all attempts). */
  outbound(
    service: string,
    protocol: string,
    method: string,
    now: number,
    ms: number,
    failure?: Failure,
    detail?: { endpoint?: string; traceId?: string },
  ): void {
    const stats = this.service(service, protocol);
    stats.touched = now;
    stats.calls.record(now, ms, failure);
    stats.methods.get(method, newSeries).record(now, ms, failure);
    if (failure)
      this.#remember({
        at: now,
        direction: 'outbound',
        service,
        method,
        ...failure,
        ...(detail?.endpoint ? { endpoint: detail.endpoint } : {}),
        ...(detail?.traceId ? { traceId: detail.traceId } : {}),
      });
  }

  /** An attempt to one endpoint began; pair with `attemptEnd` (calls in flight per endpoint). */
  attemptStart(service: string, protocol: string, endpoint: string, now: number): Series {
    const stats = this.service(service, protocol);
    const series = stats.endpoints.get(endpoint, newSeries);
    series.inFlight++;
    series.touched = now;
    return series;
  }

  attemptEnd(series: Series, now: number, ms: number, failure?: Failure): void {
    series.inFlight--;
    series.record(now, ms, failure);
  }

  /** One call that came in from another application (Ferry as a provider in front of the app). */
  inboundCall(
    caller: string,
    service: string,
    protocol: string,
    method: string,
    now: number,
    ms: number,
    failure?: Failure,
    traceId?: string,
  ): void {
    this.callers.get(caller || 'unknown', newSeries).record(now, ms, failure);
    const stats =
      this.inbound.peek(service) ??
      this.inbound.get(service, (key) => new InboundStats(key, key === OTHER ? 'mixed' : protocol, this.limits));
    stats.touched = now;
    stats.calls.record(now, ms, failure);
    stats.methods.get(method, newSeries).record(now, ms, failure);
    if (failure)
      this.#remember({
        at: now,
        direction: 'inbound',
        service,
        method,
        caller: caller || 'unknown',
        ...failure,
        ...(traceId ? { traceId } : {}),
      });
  }

  /** The last failures, newest first. */
  recentErrors(): RecentError[] {
    const n = this.#errors.length;
    const out: RecentError[] = [];
    for (let i = 1; i <= n; i++) out.push(this.#errors[(this.#errorsNext - i + n) % n]!);
    return out;
  }

  /** Forgets idle entries; `keepService` protects configured services. */
  sweep(now: number, keepService: (name: string) => boolean = () => false): void {
    const cutoff = now - this.limits.idleEvictMs;
    this.services.evict(cutoff, (name) => keepService(name));
    for (const [, stats] of this.services.entries()) {
      stats.methods.evict(cutoff);
      stats.endpoints.evict(cutoff, (_, s) => s.inFlight > 0);
    }
    this.callers.evict(cutoff);
    this.inbound.evict(cutoff);
    for (const [, stats] of this.inbound.entries()) stats.methods.evict(cutoff);
  }

  #remember(error: RecentError): void {
    this.errorCount++;
    if (this.#errors.length < this.limits.recentErrors) {
      this.#errors.push(error);
      this.#errorsNext = this.#errors.length % this.limits.recentErrors;
    } else {
      this.#errors[this.#errorsNext] = error;
      this.#errorsNext = (this.#errorsNext + 1) % this.limits.recentErrors;
    }
  }
}
