/**
 * Ferry as a Dubbo 3 provider at application level: the MetadataInfo of the services it exports (what its
 * MetadataService answers), that MetadataInfo's revision, and the instance metadata that points Java consumers
 * at it — the same keys Java 3.3 writes (`register-mode: instance|all`).
 */
import { createHash } from 'node:crypto';
import type { DubboUrl } from '../zookeeper/dubbo-url.js';
import { METADATA_KEYS } from './instance.js';
import type { MetadataInfo, ServiceInfo } from './metadata-info.js';

/** URL parameters Java leaves out of MetadataInfo (they change per start or per instance). */
const INSTANCE_PARAMS = new Set(['pid', 'timestamp', 'anyhost', 'bind.ip', 'bind.port']);

export function serviceInfoOf(url: DubboUrl): ServiceInfo {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(url.params)) if (!INSTANCE_PARAMS.has(k)) params[k] = v;
  const info: ServiceInfo = { name: url.params.interface ?? url.path, protocol: url.protocol, port: url.port, path: url.path, params };
  if (url.params.group) info.group = url.params.group;
  if (url.params.version) info.version = url.params.version;
  return info;
}

/** `group/interface:version:protocol`, MetadataInfo's key for a service (empty parts left out). */
export function matchKey(s: ServiceInfo): string {
  return `${s.group ? `${s.group}/` : ''}${s.name}${s.version ? `:${s.version}` : ''}:${s.protocol}`;
}

/** Java's `TreeMap.toString()`: `{a=1, b=2}`. */
const treeMapString = (m: Record<string, string>) => `{${Object.keys(m).sort().map((k) => `${k}=${m[k]}`).join(', ')}}`;

/**
 * The revision of an app's service list, computed like Java's `MetadataInfo.calAndGetRevision` (MD5 hex of the
 * app name and each service's match key, port, path and sorted parameters, services in key order), so a Java
 * consumer caching by revision sees the same revision for the same content.
 */
export function revisionFor(app: string, services: readonly ServiceInfo[]): string {
  const sorted = [...services].sort((a, b) => (matchKey(a) < matchKey(b) ? -1 : matchKey(a) > matchKey(b) ? 1 : 0));
  const text = app + sorted.map((s) => `${matchKey(s)}${s.port ?? 0}${s.path ?? ''}${treeMapString(s.params)}`).join('');
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The MetadataInfo of the provider URLs Ferry registers (one per exported service). */
export function buildMetadataInfo(app: string, urls: readonly DubboUrl[]): MetadataInfo {
  const services = urls.map(serviceInfoOf);
  return { app, revision: revisionFor(app, services), services };
}

/**
 * The instance metadata: endpoints, revision, `storage-type: local` and the MetadataService (V1 over the
 * Dubbo port, which Ferry answers itself).
 */
export function instanceMetadata(info: MetadataInfo, port: number, protocol = 'dubbo'): Record<string, string> {
  return {
    [METADATA_KEYS.endpoints]: JSON.stringify([{ port, protocol }]),
    [METADATA_KEYS.metadataServiceParams]: JSON.stringify({
      version: '1.0.0',
      dubbo: '2.0.2',
      side: 'provider',
      port: String(port),
      protocol,
      serialization: 'hessian2',
      'prefer.serialization': 'hessian2',
    }),
    [METADATA_KEYS.revision]: info.revision,
    [METADATA_KEYS.storageType]: 'local',
    [METADATA_KEYS.metaVersion]: '1.0.0',
    timestamp: String(Date.now()),
  };
}

/** `/services/{app}/{host:port}` as Curator x-discovery writes it for Dubbo's ZookeeperServiceDiscovery. */
export function curatorInstanceJson(app: string, host: string, port: number, metadata: Record<string, string>): string {
  const id = `${host}:${port}`;
  return JSON.stringify({
    name: app,
    id,
    address: host,
    port,
    sslPort: null,
    payload: { '@class': 'org.apache.dubbo.registry.zookeeper.ZookeeperInstance', id, name: app, metadata },
    registrationTimeUTC: Date.now(),
    serviceType: 'DYNAMIC',
    uriSpec: null,
  });
}
