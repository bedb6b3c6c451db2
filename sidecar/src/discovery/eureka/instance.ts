/**
 * Eureka's JSON shapes (the `/eureka/apps` REST API as Spring Cloud Netflix's server speaks it) and what
 * Ferry makes of them: endpoints of UP instances, and the registry hash a delta is checked against.
 */
import type { Endpoint } from '../types.js';

export const EUREKA_STATUSES = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE', 'UNKNOWN'] as const;
export type EurekaStatus = (typeof EUREKA_STATUSES)[number];

export interface EurekaPort {
  $: number | string;
  '@enabled': 'true' | 'false' | boolean;
}

export interface EurekaInstance {
  instanceId: string;
  app: string;
  hostName: string;
  ipAddr: string;
  status: EurekaStatus;
  overriddenStatus?: EurekaStatus;
  port?: EurekaPort;
  securePort?: EurekaPort;
  vipAddress?: string;
  secureVipAddress?: string;
  metadata?: Record<string, string>;
  dataCenterInfo: { '@class': string; name: string; metadata?: Record<string, string> };
  leaseInfo?: { renewalIntervalInSecs?: number; durationInSecs?: number };
  homePageUrl?: string;
  statusPageUrl?: string;
  healthCheckUrl?: string;
  lastDirtyTimestamp?: string | number;
  actionType?: 'ADDED' | 'MODIFIED' | 'DELETED';
}

/** One answer of `GET /apps` or `GET /apps/delta`. */
export interface EurekaApplications {
  /** `apps__hashcode`: the server's whole registry, as reconcileHashCode() computes it. */
  hashCode: string;
  /** Instances by upper-case application name. */
  apps: Map<string, EurekaInstance[]>;
}

/** Eureka names applications in upper case; lookups by any case find them. */
export function appKey(name: string): string {
  return name.toUpperCase();
}

/** A single-element list may come as the element itself (older JSON codecs); absent means none. */
function asList<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Parses a `{applications: {application: [{name, instance: [...]}]}}` body; throws on another shape. */
export function parseApplications(body: unknown): EurekaApplications {
  const root = (body as { applications?: { apps__hashcode?: string; application?: unknown } } | null)?.applications;
  if (!root || typeof root !== 'object') throw new Error('not a Eureka applications document');
  const apps = new Map<string, EurekaInstance[]>();
  for (const app of asList(root.application as { name?: string; instance?: unknown } | undefined)) {
    if (!app || typeof app.name !== 'string') continue;
    const instances = asList(app.instance as EurekaInstance | EurekaInstance[] | undefined).filter(
      (i) => i && typeof i.instanceId === 'string' && typeof i.status === 'string',
    );
    apps.set(appKey(app.name), [...(apps.get(appKey(app.name)) ?? []), ...instances]);
  }
  return { hashCode: typeof root.apps__hashcode === 'string' ? root.apps__hashcode : '', apps };
}

/**
 * The registry's reconcile hash as Eureka computes it (`Applications.getReconcileHashCode`): instance counts
 * per status over every application, statuses in alphabetical order, `UP_3_DOWN_1_` style ("DOWN_1_UP_3_").
 */
export function reconcileHashCode(apps: Iterable<Iterable<EurekaInstance>>): string {
  const counts = new Map<string, number>();
  for (const instances of apps) for (const i of instances) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((s) => `${s}_${counts.get(s)}_`)
    .join('');
}

export interface EndpointOptions {
  /** Dial `ipAddr` instead of `hostName` (Spring's clients dial `hostName`; `prefer-ip-address` puts the IP there). */
  preferIpAddress?: boolean;
  /** Appended to the instance's base URL (JSON-RPC services: the method path, e.g. `/rpc`). */
  path?: string;
}

function portOf(p: EurekaPort | undefined): { port: number; enabled: boolean } | undefined {
  if (!p) return undefined;
  const port = Number(p.$);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { port, enabled: p['@enabled'] === true || p['@enabled'] === 'true' };
}

/**
 * The endpoint of one instance, as Spring Cloud's `EurekaServiceInstance` sees it: the secure port (https)
 * when it is enabled, else the plain port. Params carry the instance's metadata plus `instanceId`, `app`,
 * `status` and `zone` (metadata `zone`, else the data center's `availability-zone`) for the balancer.
 * Undefined when the instance has no usable port.
 */
export function endpointOf(instance: EurekaInstance, opts: EndpointOptions = {}): Endpoint | undefined {
  const secure = portOf(instance.securePort);
  const plain = portOf(instance.port);
  const use = secure?.enabled ? { port: secure.port, scheme: 'https' } : plain ? { port: plain.port, scheme: 'http' } : undefined;
  const host = (opts.preferIpAddress ? instance.ipAddr : instance.hostName) || instance.ipAddr || instance.hostName;
  if (!use || !host) return undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const origin = `${use.scheme}://${hostPart}:${use.port}`;
  const address = opts.path ? `${origin}/${opts.path.replace(/^\/+/, '')}` : origin;
  const zone = instance.metadata?.zone ?? instance.dataCenterInfo?.metadata?.['availability-zone'];
  const weight = Number(instance.metadata?.weight ?? 100);
  return {
    id: address,
    address,
    host,
    port: use.port,
    weight: Number.isFinite(weight) && weight >= 0 ? weight : 100,
    params: {
      ...(instance.metadata ?? {}),
      instanceId: instance.instanceId,
      app: instance.app,
      status: instance.status,
      ...(zone ? { zone } : {}),
    },
  };
}
