/**
 * Every configuration option of Ferry and its default, in one place. The README's configuration
 * reference is this file in prose.
 */
import { DEFAULT_ADMIN_PORT, DEFAULT_PORT, DEFAULT_PROPAGATED_HEADERS } from '@ferry/sdk/contract';
import { bool, dflt, dict, list, num, obj, oneOf, opt, str, type Infer, type Issue, join } from './dsl.js';

const PROTOCOLS = ['http', 'dubbo', 'jsonrpc', 'grpc', 'triple'] as const;
const BALANCERS = ['random', 'roundrobin', 'leastactive', 'consistenthash'] as const;

function isUrl(v: string, schemes: string[]): string | undefined {
  try {
    const u = new URL(v);
    if (!schemes.includes(u.protocol.replace(/:$/, ''))) return `not a URL with scheme ${schemes.join(' or ')}`;
    return undefined;
  } catch {
    return 'not a URL';
  }
}

const httpUrl = () => str((v) => isUrl(v, ['http', 'https']));
const port = () => num({ int: true, min: 0, max: 65535 });
const ms = () => num({ int: true, min: 1 });
const headerName = () => str((v) => (/^[a-z0-9!#$%&'*+.^_`|~-]+\*?$/i.test(v) ? undefined : 'not a header name (a trailing * makes a prefix)'));

const propagationOverride = obj({
  /** Replaces the global allow-list for this service. */
  headers: opt(list(headerName())),
  /** Removed from the (global or replaced) allow-list for this service. */
  exclude: opt(list(headerName())),
});

const dubboMethod = obj({
  /** Java type names of the parameters, e.g. `java.lang.Long`, `com.example.User`, `java.util.List<com.example.User>`. */
  parameterTypes: dflt(list(str()), []),
  /** Java return type, used to shape the JSON answer (e.g. `long` values beyond 2^53 as strings). */
  returns: opt(str()),
  /** For `loadBalancer: consistenthash`: which argument positions form the hash key. */
  hashArguments: opt(list(num({ int: true, min: 0 }))),
  timeoutMs: opt(ms()),
  /** Send as a one-way (no answer) call. */
  oneWay: dflt(bool(), false),
});

export const serviceSchema = obj(
  {
    protocol: oneOf(PROTOCOLS),
    /** Static endpoints: URLs for http/jsonrpc, host:port for grpc/dubbo. */
    endpoints: opt(list(str(), { min: 1 })),
    /** A named registry from `registries` (dubbo, jsonrpc, grpc). */
    registry: opt(str()),
    timeoutMs: opt(ms()),
    /** Extra attempts on another endpoint for retryable failures (connection refused, overloaded…). */
    retries: opt(num({ int: true, min: 0, max: 10 })),
    loadBalancer: opt(oneOf(BALANCERS)),
    propagation: opt(propagationOverride),
    // --- dubbo
    interface: opt(str()),
    version: opt(str()),
    group: opt(str()),
    methods: opt(dict(dubboMethod)),
    /** `generic` sends `$invoke` (no Java classes needed upstream); `typed` sends exact descriptors. */
    invocation: dflt(oneOf(['generic', 'typed'] as const), 'generic'),
    /** TCP connections per Dubbo provider, multiplexed by request id. */
    connections: dflt(num({ int: true, min: 1, max: 64 }), 1),
    /** Idle time after which Ferry sends a Dubbo heartbeat (a connection silent for 3× this is closed). */
    heartbeatMs: dflt(num({ int: true, min: 100 }), 60_000),
    /** Field types of POJO classes, for fields whose JSON alone is ambiguous: `{com.example.User: {id: long}}`. */
    classes: opt(dict(dict(str()))),
    // --- jsonrpc
    /** For registry-discovered JSON-RPC providers: the URL path (default: `/{interface}`). */
    path: opt(str()),
    // --- grpc
    /** `.proto` files, relative to the config file. */
    proto: opt(list(str(), { min: 1 })),
    includeDirs: opt(list(str())),
    /** Fully qualified service name, e.g. `helloworld.Greeter`. */
    service: opt(str()),
    /** Dubbo Triple metadata sent as `tri-service-version` / `tri-service-group`. */
    triVersion: opt(str()),
    triGroup: opt(str()),
    tls: dflt(bool(), false),
  },
  (svc, path, issues) => checkService(svc, path, issues),
);

export type ServiceConfig = Infer<typeof serviceSchema> & { name: string };

function checkService(svc: Infer<typeof serviceSchema>, path: string, issues: Issue[]): void {
  const need = (key: string, why: string) => issues.push({ path: join(path, key), message: `required ${why}` });
  if (!svc.endpoints && !svc.registry) {
    if (svc.protocol === 'http') need('endpoints', `for protocol ${svc.protocol}`);
    else issues.push({ path, message: 'needs endpoints or registry' });
  }
  if (svc.registry && svc.protocol === 'http') issues.push({ path: join(path, 'registry'), message: 'protocol http takes static endpoints only' });
  svc.endpoints?.forEach((e, i) => {
    const p = join(join(path, 'endpoints'), i);
    const problem =
      svc.protocol === 'http' || svc.protocol === 'jsonrpc'
        ? isUrl(e, ['http', 'https'])
        : /^([a-z]+:\/\/)?[\w.-]+:\d{1,5}(\/.*)?$/.test(e)
          ? undefined
          : 'not host:port';
    if (problem) issues.push({ path: p, message: problem });
  });
  if (svc.protocol === 'dubbo' && !svc.interface) need('interface', 'for protocol dubbo');
  if (svc.protocol === 'grpc') {
    if (!svc.proto) need('proto', 'for protocol grpc');
    if (!svc.service) need('service', 'for protocol grpc');
  }
  if (svc.protocol === 'triple' && !svc.interface && !(svc.proto && svc.service)) need('interface', 'for protocol triple (or proto and service for an IDL service)');
  if (svc.protocol === 'triple' && svc.proto && !svc.service) need('service', 'for protocol triple with proto');
  if (svc.registry && svc.protocol !== 'dubbo' && !svc.interface && svc.protocol !== 'grpc' && svc.protocol !== 'triple') {
    need('interface', 'to find the service in the registry');
  }
}

const registrySchema = obj({
  type: dflt(oneOf(['zookeeper'] as const), 'zookeeper'),
  /** Comma-separated `host:port` list. */
  address: str((v) => (v.split(',').every((a) => /^[\w.-]+:\d+$/.test(a.trim())) ? undefined : 'expected host:port[,host:port…]')),
  root: dflt(str((v) => (v.startsWith('/') ? undefined : 'must start with /')), '/dubbo'),
  sessionTimeoutMs: dflt(ms(), 30000),
  /** How long to wait for the first connection before `/readyz` reports the registry as down. */
  connectTimeoutMs: dflt(ms(), 10000),
});

const inboundMethod = obj({
  /**
   * The app's route for this method: `POST /orders`. `{0}`, `{1}`… in the path are replaced by those
   * arguments (URL-encoded), e.g. `GET /users/{0}`. POST/PUT/PATCH send the arguments as the JSON body
   * (see `body`); GET/DELETE send no body.
   */
  http: str((v) => (/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/.test(v) ? undefined : 'expected "METHOD /path"')),
  /**
   * Java parameter types (`long`, `com.example.User`, `java.util.List<com.example.User>`). Typed calls must
   * carry exactly this signature (overloads: write the method key as `name(type,type)`). Absent: any
   * signature is accepted and the argument types are taken from the call.
   */
  parameterTypes: opt(list(str())),
  /** Java return type (`void` for none): shapes the JSON answer into Java values. */
  returns: dflt(str(), 'java.lang.Object'),
  /**
   * The JSON body: `array` = the arguments as a JSON array; `single` = the first argument alone;
   * `auto` = `single` when the method takes exactly one POJO (a class outside `java.*`), else `array`.
   */
  body: dflt(oneOf(['auto', 'array', 'single'] as const), 'auto'),
  /** Used when the consumer sends no timeout (Java consumers always do); also published to consumers as `<method>.timeout`. */
  timeoutMs: opt(ms()),
});

const inboundService = obj(
  {
    interface: str(),
    version: opt(str()),
    group: opt(str()),
    /** Keyed by Java method name, or `name(type,type)` to tell overloads apart. */
    methods: dict(inboundMethod),
  },
  (svc, path, issues) => {
    for (const [key, m] of Object.entries(svc.methods)) {
      const sig = /^([A-Za-z_$][\w$]*)(?:\((.*)\))?$/.exec(key);
      if (!sig) issues.push({ path: join(join(path, 'methods'), key), message: 'expected a Java method name, or name(type,type) for an overload' });
      else if (sig[2] !== undefined && m.parameterTypes) issues.push({ path: join(join(path, 'methods'), key), message: 'give the parameter types either in the key or in parameterTypes, not both' });
    }
  },
);

export const configSchema = obj({
  /** This app's name in registries (Dubbo `application`) and traces. */
  application: dflt(str(), 'ferry'),
  /** The address other hosts reach this pod at, written into ZooKeeper nodes; env `FERRY_POD_IP`/`POD_IP` fill it. */
  advertiseHost: opt(str()),
  /** The app's door: the local API. */
  listen: obj({ host: dflt(str(), '127.0.0.1'), port: dflt(port(), DEFAULT_PORT) }),
  /** Health and metrics for the platform; not for the app. */
  admin: obj({
    enabled: dflt(bool(), true),
    host: dflt(str(), '127.0.0.1'),
    port: dflt(port(), DEFAULT_ADMIN_PORT),
    /**
     * When set, the console's API (`/admin/v1/…`) asks for it: `Authorization: Bearer <token>`, or the console's
     * sign-in cookie. Best given as env `FERRY_ADMIN__TOKEN` (a Secret); never logged. Probes and `/metrics` stay open.
     */
    token: opt(str((v) => (v.length >= 16 ? undefined : 'use at least 16 characters'))),
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
    /** Items in one JSON-RPC batch. */
    batchItems: dflt(num({ int: true, min: 1 }), 100),
    /** Dubbo frame payload (Dubbo's own default is 8 MiB). */
    dubboPayloadBytes: dflt(num({ int: true, min: 1024 }), 8 * 1024 * 1024),
  }),
  /** Defaults for every service; a service's own setting wins. */
  defaults: obj({
    timeoutMs: dflt(ms(), 3000),
    retries: dflt(num({ int: true, min: 0, max: 10 }), 2),
    loadBalancer: dflt(oneOf(BALANCERS), 'random'),
  }),
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
    /** How trace context is written upstream (all of them are read). */
    propagators: dflt(list(oneOf(['tracecontext', 'b3', 'b3multi'] as const)), ['tracecontext', 'b3multi']),
  }),
  metrics: obj({ enabled: dflt(bool(), true) }),
  services: dflt(dict(serviceSchema), {}),
  inbound: obj({
    /** Where the app listens, for calls coming in from other protocols. */
    app: obj({ url: dflt(httpUrl(), 'http://127.0.0.1:8080'), timeoutMs: dflt(ms(), 3000) }),
    dubbo: opt(
      obj({
        enabled: dflt(bool(), true),
        host: dflt(str(), '0.0.0.0'),
        port: dflt(port(), 20880),
        registry: opt(str()),
        services: dflt(list(inboundService), []),
        /** Idle time after which Ferry sends a heartbeat to a consumer; a connection silent for 3× this is closed. */
        heartbeatMs: dflt(num({ int: true, min: 100 }), 60_000),
        /**
         * Exception classes (beyond the JDK RuntimeExceptions Dubbo consumers accept by default) the app may
         * name in an error answer's `exceptionClass`, e.g. the interface's declared exceptions. The consumers must
         * be able to deserialize them (a class of the interface, or in their `serialize.allowlist`).
         */
        exceptionClasses: dflt(list(str()), []),
        /** Field types of POJO classes the app returns (`{com.example.User: {id: long, birthday: java.util.Date}}`): needed for fields whose JSON alone is ambiguous (dates, BigDecimal, enums, longs). */
        classes: opt(dict(dict(str()))),
      }),
    ),
  }),
});

export type FerryConfig = Omit<Infer<typeof configSchema>, 'services'> & { services: Record<string, ServiceConfig> };
export type RegistryConfig = Infer<typeof registrySchema>;
export type DubboMethodConfig = Infer<typeof dubboMethod>;
export type InboundServiceConfig = Infer<typeof inboundService>;
export type InboundMethodConfig = Infer<typeof inboundMethod>;
export type InboundDubboConfig = NonNullable<FerryConfig['inbound']['dubbo']>;

/** Cross-section checks: references between sections. */
export function checkReferences(config: FerryConfig, issues: Issue[]): void {
  for (const [name, svc] of Object.entries(config.services)) {
    if (svc.registry && !config.registries[svc.registry]) {
      issues.push({ path: `services.${name}.registry`, message: `no registry named "${svc.registry}" (known: ${Object.keys(config.registries).join(', ') || 'none'})` });
    }
    if (!/^[A-Za-z0-9._-]+$/.test(name)) issues.push({ path: `services.${name}`, message: 'service names use letters, digits, ".", "_" and "-" only' });
  }
  const reg = config.inbound.dubbo?.registry;
  if (reg && !config.registries[reg]) issues.push({ path: 'inbound.dubbo.registry', message: `no registry named "${reg}"` });
}
