/**
 * Every metric Ferry exports, in one file, on one registry of its own (never prom-client's global one).
 *
 * Names follow Prometheus conventions (`ferry_*`, `_total` for counters, `_seconds` for durations). Label
 * values are bounded: services are configured names, methods are declared names (or the HTTP method for the
 * pass-through), codes come from Ferry's error table, endpoints come from discovery. No raw path or id is
 * ever a label value.
 *
 * Other modules record through the typed `metrics` object (protocol clients: `upstreamConnections`,
 * `decodeErrors`; the ZooKeeper module: `setZookeeperState`, `setProviderCount`). Recording never throws.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AccumulatedHistogram, AccumulatedNumber } from './accumulated.js';

/** Seconds; from sub-millisecond loopback hops to the longest sensible RPC. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The outcome label of a successful call. */
export const CODE_OK = 'OK';
/** The method label when a name is neither declared nor safe to use. */
export const METHOD_OTHER = '_other';
/** Distinct method label values kept per service before falling back to `_other`. */
export const MAX_METHODS_PER_SERVICE = 200;

/** States of a ZooKeeper client, as a state set (one series per state, the current one at 1). */
export const ZOOKEEPER_STATES = [
  'connecting',
  'connected',
  'connected_read_only',
  'disconnected',
  'expired',
  'auth_failed',
  'closed',
] as const;
export type ZookeeperState = (typeof ZOOKEEPER_STATES)[number];

/** The labels of a call's count and duration, outbound and inbound. */
const CALL_LABELS = ['protocol', 'service', 'method', 'code'] as const;

function build(registry: Registry) {
  const registers = [registry];
  const counter = <L extends string>(name: string, labelNames: readonly L[], help: string) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, labelNames: readonly L[], help: string) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const accumulated = (type: 'counter' | 'gauge', name: string, labelNames: readonly string[], help: string) =>
    new AccumulatedNumber({ type, name, help, labelNames, registers });
  const durations = (name: string, help: string) =>
    new AccumulatedHistogram({ name, help, labelNames: CALL_LABELS, buckets: DURATION_BUCKETS, registers });
  return {
    registry,
    requests: accumulated('counter', 'ferry_requests_total', CALL_LABELS,
      'Outbound calls answered, by protocol, service, method and outcome code (OK, a FERRY_ERR_* code, or HTTP_<status> for ' +
      'pass-through answers of 400 and above).'),
    requestDuration: durations('ferry_request_duration_seconds',
      'Time from the call entering the pipeline to the answer (headers for streamed answers), all attempts included.'),
    inboundRequests: accumulated('counter', 'ferry_inbound_requests_total', CALL_LABELS,
      'Calls that came in to the app through Ferry (Ferry as a Dubbo provider), by protocol, configured service and method, and ' +
      'outcome code (OK or a FERRY_ERR_* code; the upstream is the app).'),
    inboundDuration: durations('ferry_inbound_request_duration_seconds',
      'Time from an inbound call being decoded to its answer being encoded.'),
    upstreamAttempts: accumulated('counter', 'ferry_upstream_attempts_total', ['protocol', 'service', 'code'],
      'Attempts sent to an upstream endpoint (one call makes several when retried), by outcome code.'),
    upstreamInFlight: accumulated('gauge', 'ferry_upstream_in_flight', ['protocol', 'service'],
      'Attempts currently waiting for an upstream answer.'),
    upstreamConnections: gauge('ferry_upstream_connections', ['protocol', 'endpoint'],
      'Open connections to upstream endpoints (maintained by the protocol clients).'),
    retries: counter('ferry_retries_total', ['protocol', 'service', 'code'],
      'Retries of a call on another endpoint, by the failure code that caused them.'),
    outlierEjections: counter('ferry_outlier_ejections_total', ['protocol', 'service'],
      'Endpoints left out of balancing for a while after consecutive failed attempts (outlier ejection).'),
    shed: counter('ferry_shed_total', ['protocol', 'service', 'reason'],
      'Calls refused at once, nothing sent upstream: reason event_loop (load shedding) or concurrency (maxConcurrentCalls).'),
    retryBudgetExhausted: counter('ferry_retry_budget_exhausted_total', ['protocol', 'service'],
      'Retries not made because the route\'s retry budget was spent (the call ended with its last failure).'),
    decodeErrors: counter('ferry_decode_errors_total', ['protocol'], 'Frames or payloads that could not be decoded.'),
    zookeeperState: gauge('ferry_zookeeper_state', ['registry', 'state'],
      'ZooKeeper client state per registry: 1 for the current state, 0 for the others.'),
    zookeeperConnected: gauge('ferry_zookeeper_connected', ['registry'], '1 while the registry has a live ZooKeeper session, else 0.'),
    zookeeperSessionExpirations: counter('ferry_zookeeper_session_expirations_total', ['registry'],
      'ZooKeeper sessions that expired (ephemeral registrations were lost and redone).'),
    configReloads: counter('ferry_config_reloads_total', ['result'],
      'Config file reloads (file changes and SIGHUP), by result: applied, invalid (kept the running config), restart_required (a key ' +
      'read only at start changed; refused).'),
    providers: gauge('ferry_registry_providers', ['service'], 'Providers discovery currently knows for a service.'),
  };
}

type Instruments = ReturnType<typeof build>;

export interface FerryMetrics extends Instruments {
  /** Counts and times one call (label children are cached: labels are bounded). */
  recordCall(protocol: string, service: string, method: string, code: string, seconds: number): void;
  /** Counts and times one inbound call (service and method are configured names: bounded). */
  recordInbound(protocol: string, service: string, method: string, code: string, seconds: number): void;
  /** Marks an attempt to an upstream started; call the returned function with its outcome code when done. */
  startAttempt(protocol: string, service: string): (code: string) => void;
  /** Sets the ZooKeeper state set of one registry (and `ferry_zookeeper_connected`). */
  setZookeeperState(registry: string, state: ZookeeperState): void;
  setProviderCount(service: string, count: number): void;
  /** Registers process and Node.js runtime metrics (CPU, memory, GC, event-loop lag) once. */
  enableDefaultMetrics(): void;
  /**
   * Keeps `ferry_upstream_connections{protocol="http"}` from undici's diagnostics channel: every HTTP/1.1
   * connection undici opens in this process (the http and jsonrpc services' pools) until its socket closes.
   */
  trackHttpConnections(): void;
  /** The text exposition of every metric. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Never lets a metrics problem reach the caller. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // observability never fails a request
  }
}

export function createMetrics(registry = new Registry()): FerryMetrics {
  const instruments = build(registry);
  let defaults = false;
  let trackingHttp = false;
  // The request path's metrics are plain numbers (accumulated.ts): recording is an addition.
  const { requests, requestDuration, upstreamAttempts, upstreamInFlight, inboundRequests, inboundDuration } = instruments;
  return {
    ...instruments,
    recordCall(protocol, service, method, code, seconds) {
      requests.series(protocol, service, method, code).value++;
      requestDuration.observe(requestDuration.series(protocol, service, method, code), seconds);
    },
    recordInbound(protocol, service, method, code, seconds) {
      inboundRequests.series(protocol, service, method, code).value++;
      inboundDuration.observe(inboundDuration.series(protocol, service, method, code), seconds);
    },
    startAttempt(protocol, service) {
      const inFlight = upstreamInFlight.series(protocol, service);
      inFlight.value++;
      return (code) => {
        inFlight.value--;
        upstreamAttempts.series(protocol, service, code).value++;
      };
    },
    setZookeeperState(name, state) {
      safely(() => {
        for (const s of ZOOKEEPER_STATES) instruments.zookeeperState.set({ registry: name, state: s }, s === state ? 1 : 0);
        instruments.zookeeperConnected.set({ registry: name }, state === 'connected' || state === 'connected_read_only' ? 1 : 0);
        if (state === 'expired') instruments.zookeeperSessionExpirations.inc({ registry: name });
      });
    },
    setProviderCount(service, count) {
      safely(() => instruments.providers.set({ service }, count));
    },
    enableDefaultMetrics() {
      if (defaults) return;
      defaults = true;
      safely(() => collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 }));
    },
    trackHttpConnections() {
      if (trackingHttp) return;
      trackingHttp = true;
      safely(() =>
        subscribe('undici:client:connected', (message) => {
          safely(() => {
            const { connectParams, socket } = message as {
              connectParams?: { hostname?: string; port?: string | number; protocol?: string };
              socket?: Socket;
            };
            if (!connectParams || !socket) return;
            const port = connectParams.port || (connectParams.protocol === 'https:' ? 443 : 80);
            const labels = { protocol: 'http', endpoint: `${connectParams.hostname}:${port}` };
            instruments.upstreamConnections.inc(labels);
            socket.once('close', () => safely(() => instruments.upstreamConnections.dec(labels)));
          });
        }),
      );
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * The process-wide instance: protocol clients and discovery import it directly, so they need no wiring.
 * Several sidecars in one process (tests) share it.
 */
export const metrics: FerryMetrics = createMetrics();
