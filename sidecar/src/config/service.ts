/**
 * The fields every service has, whatever its protocol. Each protocol's `schema.ts` adds its own fields to
 * these (`serviceSchema`), and `services.X` is the union of those schemas keyed on `protocol`.
 */
import { policyRef } from './policies.js';
import { dict, list, num, obj, oneOf, opt, str, type Issue, join, type Node, type ObjectOf } from './dsl.js';
import { DISCOVERY_MODES } from '../discovery/mode.js';

export const BALANCERS = ['random', 'roundrobin', 'leastactive', 'consistenthash'] as const;

export function isUrl(v: string, schemes: string[]): string | undefined {
  try {
    const u = new URL(v);
    if (!schemes.includes(u.protocol.replace(/:$/, ''))) return `not a URL with scheme ${schemes.join(' or ')}`;
    return undefined;
  } catch {
    return 'not a URL';
  }
}

export const ms = () => num({ int: true, min: 1 });
export const headerName = () =>
  str((v) => (/^[a-z0-9!#$%&'*+.^_`|~-]+\*?$/i.test(v) ? undefined : 'not a header name (a trailing * makes a prefix)'));

const propagationOverride = obj({
  /** Replaces the global allow-list for this service. */
  headers: opt(list(headerName())),
  /** Removed from the (global or replaced) allow-list for this service. */
  exclude: opt(list(headerName())),
});

/** What every method entry may say, whatever the protocol. */
export const methodFields = {
  timeoutMs: opt(ms()),
  /** Named policies for this method (`policies`), ahead of the service's. */
  policy: policyRef(),
  /** For `loadBalancer: consistenthash`: which argument positions form the hash key. */
  hashArguments: opt(list(num({ int: true, min: 0 }))),
};

export const commonFields = {
  /** Static endpoints: URLs for http/jsonrpc, host:port for grpc/dubbo. */
  endpoints: opt(list(str(), { min: 1 })),
  /** A named registry from `registries` (dubbo, jsonrpc, grpc; http and jsonrpc by `app`). */
  registry: opt(str()),
  /** With a registry: `interface`, `instance` (Dubbo 3 application level) or `auto` (both); default: the registry's `discovery`. */
  discovery: opt(oneOf(DISCOVERY_MODES)),
  /** Application level: the provider applications (Dubbo's `providedBy`), instead of the registry's interface → app mapping. */
  providedBy: opt(list(str((v) => (/^[\w.@:-]{1,200}$/.test(v) ? undefined : 'not an application name')), { min: 1 })),
  /**
   * The service's name in a registry that finds services by application (a Eureka application, a Nacos
   * service name), e.g. `ORDERS`; http and jsonrpc services. Registries that find Dubbo interfaces refuse it.
   */
  app: opt(str((v) => (/^[\w.:@-]+$/.test(v) ? undefined : 'an application name: letters, digits, ".", "_", ":", "@" and "-"'))),
  timeoutMs: opt(ms()),
  /** Extra attempts on another endpoint for retryable failures (connection refused, overloaded…). */
  retries: opt(num({ int: true, min: 0, max: 10 })),
  loadBalancer: opt(oneOf(BALANCERS)),
  /** Named policies (`policies.timeouts/retries/circuitBreakers`) for this service. */
  policy: policyRef(),
  /** Calls in flight to this service; more get a fast 503 FERRY_ERR_CONCURRENCY_LIMIT (default `defaults.maxConcurrentCalls`). */
  maxConcurrentCalls: opt(num({ int: true, min: 1 })),
  propagation: opt(propagationOverride),
  methods: opt(dict(obj(methodFields))),
};

/** A service as the core sees it: the common fields; a protocol narrows it to its own config type. */
export type ServiceConfig = ObjectOf<typeof commonFields> & { protocol: string; name: string };

export type EndpointCheck = (endpoint: string) => string | undefined;

/** `host:port`, optionally `scheme://host:port/...`. */
export const hostPort: EndpointCheck = (e) => (/^([a-z]+:\/\/)?[\w.-]+:\d{1,5}(\/.*)?$/.test(e) ? undefined : 'not host:port');
export const httpEndpoint: EndpointCheck = (e) => isUrl(e, ['http', 'https']);

/** The checks every service gets: endpoints or a registry, endpoints in the protocol's form. */
export function checkCommon(
  svc: { protocol: string; endpoints?: string[] | undefined; registry?: string | undefined },
  path: string,
  issues: Issue[],
  endpoint: EndpointCheck,
): void {
  if (!svc.endpoints && !svc.registry) issues.push({ path, message: 'needs endpoints or registry' });
  svc.endpoints?.forEach((e, i) => {
    const problem = endpoint(e);
    if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
  });
}

/** A protocol's service schema: the common fields, `protocol: <name>`, its own fields and checks. */
export function serviceSchema<const P extends string, S extends Record<string, Node<unknown>>>(
  protocol: P,
  fields: S,
  check: (svc: ObjectOf<Fields<S>> & { protocol: P }, path: string, issues: Issue[]) => void,
) {
  const shape = { protocol: oneOf([protocol]), ...commonFields, ...fields } as unknown as { protocol: Node<P> } & Fields<S>;
  return obj(shape, (svc, path, issues) => check(svc as ObjectOf<Fields<S>> & { protocol: P }, path, issues));
}

/** The common fields, with a protocol's own ones replacing any of the same name (`methods`). */
type Fields<S> = Omit<typeof commonFields, keyof S> & S;
