/**
 * The core's configuration options and their defaults; each protocol and registry plug-in adds its own
 * (`services.<name>`, `registries.<name>`, `inbound.<protocol>`). The README's configuration reference is these
 * schemas in prose.
 */
import { DEFAULT_ADMIN_PORT, DEFAULT_PORT, DEFAULT_PROPAGATED_HEADERS } from '@ferry/sdk/contract';
import { bool, dflt, dict, join, list, num, obj, oneOf, opt, str, type Infer, type Issue, type Node } from './dsl.js';
import { BALANCERS, headerName, isUrl, ms, type ServiceConfig } from './service.js';
import { endpointPattern } from './adhoc.js';
import { checkPolicyReferences, policiesSchema, policyRef } from './policies.js';
import { resilienceSchema } from './resilience.js';

export type { ServiceConfig };

/** Spans the tracer holds for export at most; more are dropped (and a batch is never bigger). */
export const MAX_QUEUED_SPANS = 4096;

const port = () => num({ int: true, min: 0, max: 65535 });
const httpUrl = () => str((v) => isUrl(v, ['http', 'https']));
const patternProblem = (v: string): string | undefined => {
  const pattern = endpointPattern(v);
  return typeof pattern === 'string' ? pattern : undefined;
};

/**
 * How every registration of the app follows its health: the app's own (`inbound.app.register`) and Ferry's
 * Dubbo providers (`inbound.dubbo.registry`). Unhealthy after `failureThreshold` failures in a row, healthy again
 * after `successThreshold` passes in a row (so a slow call or probe does not flap registrations).
 */
const appHealth = obj(
  {
    /** Off: registrations stay whatever the app does. */
    follow: dflt(bool(), true),
    /**
     * Probed with GET on the app (`/actuator/health`): a 2xx whose JSON `status`, if any, is `UP` passes.
     * Absent: the app's port is probed (any HTTP answer passes) and inbound calls that cannot reach the app
     * (refused, reset) count as failures; slow answers and error statuses never do.
     */
    path: opt(str((v) => (v.startsWith('/') ? undefined : 'must start with /'))),
    intervalMs: dflt(ms(), 5000),
    timeoutMs: dflt(ms(), 2000),
    failureThreshold: dflt(num({ int: true, min: 1 }), 3),
    successThreshold: dflt(num({ int: true, min: 1 }), 2),
  },
  (h, path, issues) => {
    if (h.timeoutMs > h.intervalMs) issues.push({ path: join(path, 'timeoutMs'), message: 'must not exceed intervalMs' });
  },
);

/**
 * The whole config, given the service and registry schemas (unions keyed on `protocol` and `type`, assembled
 * from the registries of protocols and of registries: `protocols/index.ts`, `discovery/index.ts`), and the
 * inbound sections of the protocols that serve the app (`inbound.<protocol>`, each its plug-in's schema).
 */
export function configSchemaWith<R extends { type: string }>(schemas: {
  service: Node<ServiceConfig>;
  registry: Node<R>;
  inbound: Readonly<Record<string, Node<unknown>>>;
}) {
  const { service: serviceSchema, registry: registrySchema } = schemas;
  const inboundApp = {
    /** Where the app listens, for calls coming in from other protocols. */
    app: obj({
      url: dflt(httpUrl(), 'http://127.0.0.1:8080'),
      timeoutMs: dflt(ms(), 3000),
      /**
       * Registries the app itself is registered in, by `application`, at `advertiseHost` and this URL's port
       * (registries that register apps: Eureka). Callers that find it by name call the app directly.
       */
      register: dflt(list(str()), []),
      health: appHealth,
    }),
  };
  const inboundSections = Object.fromEntries(Object.entries(schemas.inbound).map(([name, node]) => [name, opt(node)]));
  return obj({
    /** This app's name in registries (Dubbo `application`) and traces. */
    application: dflt(str(), 'ferry'),
    /** The address other hosts reach this pod at, written into ZooKeeper nodes; env `FERRY_POD_IP`/`POD_IP` fill it. */
    advertiseHost: opt(str()),
    /** The app's door: the local API. */
    listen: obj({
      host: dflt(str(), '127.0.0.1'),
      port: dflt(port(), DEFAULT_PORT),
      /** Bound to loopback, the port answers requests addressed to loopback names only (a DNS-rebinding guard), and these. */
      allowedHosts: dflt(list(str()), []),
    }),
    /** Health and metrics for the platform; not for the app. */
    admin: obj({
      enabled: dflt(bool(), true),
      host: dflt(str(), '127.0.0.1'),
      port: dflt(port(), DEFAULT_ADMIN_PORT),
      /** As `listen.allowedHosts`, for the admin port. */
      allowedHosts: dflt(list(str()), []),
      /**
       * When set, the console's API (`/admin/v1/…`) asks for it: `Authorization: Bearer <token>`, or the console's
       * sign-in cookie. Best given as env `FERRY_ADMIN__TOKEN` (a Secret); never logged. Probes stay open; `/metrics`
       * too unless `protectMetrics`.
       */
      token: opt(str((v) => (v.length >= 16 ? undefined : 'use at least 16 characters'))),
      /** `/metrics` asks for the admin token too (`Authorization: Bearer`); off: open for scrapers, as the probes are. */
      protectMetrics: dflt(bool(), false),
      /** The console (`/console/`) and its JSON API (`/admin/v1/…`) on this port. */
      console: obj({ enabled: dflt(bool(), true) }),
    }),
    log: obj({
      level: dflt(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), 'info'),
      /** Two access-log lines per app request ("incoming request", "request completed"); off: only failures are logged. */
      requests: dflt(bool(), false),
    }),
    limits: obj({
      /** JSON bodies of invoke/batch/dubbo calls. */
      bodyBytes: dflt(num({ int: true, min: 1024 }), 4 * 1024 * 1024),
      /** Streamed pass-through bodies. */
      proxyBodyBytes: dflt(num({ int: true, min: 1024 }), 64 * 1024 * 1024),
      /** All request headers together. */
      headerBytes: dflt(num({ int: true, min: 1024 }), 16 * 1024),
      /**
       * Nesting of arrays and objects in those JSON bodies (Jackson's default): deeper ones are the app's 400, not a
       * stack overflow in an encoder blamed on the upstream.
       */
      jsonDepth: dflt(num({ int: true, min: 8, max: 4096 }), 1000),
      /** Items in one JSON-RPC batch. */
      batchItems: dflt(num({ int: true, min: 1 }), 100),
      /** Dubbo frame payload (Dubbo's own default is 8 MiB). */
      dubboPayloadBytes: dflt(num({ int: true, min: 1024 }), 8 * 1024 * 1024),
    }),
    /**
     * Ad-hoc calls (`POST /v1/dubbo/invoke`: a service that is not in `services`) and the targets they may reach
     * (see config/adhoc.ts for the patterns). Off by default: without it the app can only call configured services.
     */
    adhoc: obj({
      enabled: dflt(bool(), false),
      /** Configured registries ad-hoc calls may look services up in. */
      registries: dflt(list(str()), []),
      /** `HOST:PORT` patterns of providers ad-hoc calls may dial directly (`"endpoint"`): `10.0.0.0/8:20880`, `*.svc.cluster.local:*`. */
      endpoints: dflt(list(str(patternProblem)), []),
    }),
    /** Defaults for every service; a service's own setting wins. */
    defaults: obj({
      timeoutMs: dflt(ms(), 3000),
      retries: dflt(num({ int: true, min: 0, max: 10 }), 2),
      loadBalancer: dflt(oneOf(BALANCERS), 'random'),
      /** Named policies for every service without its own (see `policies`); they win over timeoutMs/retries here. */
      policy: policyRef(),
      /** Calls in flight per service; more get a fast 503 FERRY_ERR_CONCURRENCY_LIMIT (absent: no limit). */
      maxConcurrentCalls: opt(num({ int: true, min: 1 })),
    }),
    /** Named timeouts, retries and circuit breakers, attached by `policy:` (Dapr's resiliency policies). */
    policies: policiesSchema,
    resilience: resilienceSchema,
    shutdown: obj({ drainTimeoutMs: dflt(ms(), 15000) }),
    registries: dflt(dict(registrySchema), {}),
    /** Headers of the app's request that travel upstream (exact names, or prefixes ending in `*`). */
    propagation: obj({ headers: dflt(list(headerName()), [...DEFAULT_PROPAGATED_HEADERS]) }),
    tracing: obj({
      enabled: dflt(bool(), false),
      serviceName: dflt(str(), 'ferry'),
      /** Fraction of new traces recorded (parent decisions are respected). */
      sampleRatio: dflt(num({ min: 0, max: 1 }), 1),
      exporter: dflt(oneOf(['none', 'zipkin', 'otlp', 'console'] as const), 'none'),
      /** Zipkin `/api/v2/spans` or OTLP/HTTP `/v1/traces` URL. */
      endpoint: opt(httpUrl()),
      /**
       * Spans per export (sent at this many, or after 1 s). Small batches keep spans from outliving the
       * young-generation GCs (which would promote them and bring full GCs); raise it for a slow collector at
       * high sample ratios, as exports go one at a time.
       */
      exportBatchSize: dflt(num({ int: true, min: 1, max: MAX_QUEUED_SPANS }), 64),
      /** How trace context is written upstream (all of them are read). */
      propagators: dflt(list(oneOf(['tracecontext', 'b3', 'b3multi'] as const)), ['tracecontext', 'b3multi']),
    }),
    metrics: obj({ enabled: dflt(bool(), true) }),
    services: dflt(dict(serviceSchema), {}),
    // the protocols' sections are typed by their plug-ins (`InboundConfig` below)
    inbound: obj({ ...inboundApp, ...inboundSections } as typeof inboundApp),
  });
}

type CoreConfig = Infer<ReturnType<typeof configSchemaWith<RegistryConfig>>>;
/** A registry as the core sees it: its name-independent `type`; each registry type narrows it to its own config. */
export interface RegistryConfig {
  type: string;
  [field: string]: unknown;
}
/** `inbound`: the app's address, and one optional section per protocol Ferry serves (its plug-in's config). */
export type InboundConfig = CoreConfig['inbound'] & { readonly [protocol: string]: unknown };
export type FerryConfig = Omit<CoreConfig, 'services' | 'registries' | 'inbound'> & {
  services: Record<string, ServiceConfig>;
  registries: Record<string, RegistryConfig>;
  inbound: InboundConfig;
};

/** The registries the inbound sections register in (`inbound.<protocol>.registry`), by section. */
export function inboundRegistries(config: FerryConfig): { section: string; registry: string }[] {
  const out: { section: string; registry: string }[] = [];
  for (const [section, value] of Object.entries(config.inbound)) {
    const registry = (value as { registry?: unknown } | undefined)?.registry;
    if (typeof registry === 'string') out.push({ section, registry });
  }
  return out;
}

/** Cross-section checks: references between sections. */
export function checkReferences(config: FerryConfig, issues: Issue[]): void {
  checkPolicyReferences(config, issues);
  if (config.admin.protectMetrics && !config.admin.token) issues.push({ path: 'admin.protectMetrics', message: 'needs admin.token' });
  for (const [name, svc] of Object.entries(config.services)) {
    if (svc.registry && !config.registries[svc.registry]) {
      issues.push({
        path: `services.${name}.registry`,
        message: `no registry named "${svc.registry}" (known: ${Object.keys(config.registries).join(', ') || 'none'})`,
      });
    }
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      issues.push({ path: `services.${name}`, message: 'service names use letters, digits, ".", "_" and "-" only' });
  }
  config.adhoc.registries.forEach((name, i) => {
    if (config.registries[name]) return;
    const known = Object.keys(config.registries).join(', ') || 'none';
    issues.push({ path: `adhoc.registries[${i}]`, message: `no registry named "${name}" (known: ${known})` });
  });
  for (const { section, registry } of inboundRegistries(config)) {
    if (!config.registries[registry]) issues.push({ path: `inbound.${section}.registry`, message: `no registry named "${registry}"` });
  }
}
