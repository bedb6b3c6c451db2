/**
 * `inbound.dubbo`: Ferry as a Dubbo provider in front of the app (the Dubbo plug-in's inbound section; the core
 * config knows only that a protocol may have one).
 */
import { bool, dflt, dict, join, list, num, obj, oneOf, opt, str, type Infer } from '../../../config/dsl.js';
import { ms } from '../../../config/service.js';
import type { FerryConfig } from '../../../config/schema.js';
import { REGISTER_MODES } from '../../../discovery/mode.js';

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
      const where = join(join(path, 'methods'), key);
      if (!sig) issues.push({ path: where, message: 'expected a Java method name, or name(type,type) for an overload' });
      else if (sig[2] !== undefined && m.parameterTypes) {
        issues.push({ path: where, message: 'give the parameter types either in the key or in parameterTypes, not both' });
      }
    }
  },
);

export const dubboInboundSchema = obj({
  enabled: dflt(bool(), true),
  /**
   * The address the port listens on. Default: the pod's address (`advertiseHost`, else env `FERRY_POD_IP` /
   * `POD_IP`); without one, or when it is not an address of this host, all interfaces (`0.0.0.0`, logged).
   */
  host: opt(str()),
  port: dflt(num({ int: true, min: 0, max: 65535 }), 20880),
  /**
   * Dubbo's provider token (Java's `<dubbo:service token>`): published in the registered URLs, and a call whose
   * `token` attachment differs is refused as a Java provider's TokenFilter does. `true` or `default`: a random
   * one per start (only consumers that found Ferry through the registry can call). Best as env
   * `FERRY_INBOUND__DUBBO__TOKEN`; never logged.
   */
  token: opt(str()),
  /** The registry (a name under `registries`) the services are registered in; omitted: none. */
  registry: opt(str()),
  /**
   * How the services are published in the registry (Dubbo 3's `register-mode`): `interface` nodes, the
   * application `instance` (+ the interface → app mapping, answered by Ferry's MetadataService), or `all` (both).
   */
  registerMode: dflt(oneOf(REGISTER_MODES), 'all'),
  services: dflt(list(inboundService), []),
  /** Idle time after which Ferry sends a heartbeat to a consumer; a connection silent for 3× this is closed. */
  heartbeatMs: dflt(num({ int: true, min: 100 }), 60_000),
  /**
   * Exception classes (beyond the JDK RuntimeExceptions Dubbo consumers accept by default) the app may
   * name in an error answer's `exceptionClass`, e.g. the interface's declared exceptions. The consumers must
   * be able to deserialize them (a class of the interface, or in their `serialize.allowlist`).
   */
  exceptionClasses: dflt(list(str()), []),
  /**
   * Field types of POJO classes the app returns (`{com.example.User: {id: long, birthday: java.util.Date}}`):
   * needed for fields whose JSON alone is ambiguous (dates, BigDecimal, enums, longs).
   */
  classes: opt(dict(dict(str()))),
});

export type InboundDubboConfig = Infer<typeof dubboInboundSchema>;
export type InboundServiceConfig = Infer<typeof inboundService>;
export type InboundMethodConfig = Infer<typeof inboundMethod>;

/** The token a provider checks, from `inbound.dubbo.token` as Java's ServiceConfig reads `token` (undefined: none). */
export function providerToken(configured: string | undefined, random: () => string): string | undefined {
  if (configured === undefined || ['', 'false', '0', 'null', 'n/a'].includes(configured.toLowerCase())) return undefined;
  return ['true', 'default'].includes(configured.toLowerCase()) ? random() : configured;
}

/** The config's `inbound.dubbo` section (validated by `dubboInboundSchema`), when there is one. */
export function inboundDubbo(config: FerryConfig): InboundDubboConfig | undefined {
  return config.inbound.dubbo as InboundDubboConfig | undefined;
}
