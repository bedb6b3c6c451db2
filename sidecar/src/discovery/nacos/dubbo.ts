/**
 * How Dubbo lays out its services in Nacos (dubbo-registry-nacos, as Java 3.3 writes it through the Nacos client):
 *
 *   interface level   service `providers:{interface}:{version}:{group}` (group DEFAULT_GROUP); each instance's
 *                     metadata is the provider URL's parameters (`protocol`, `interface`, `version`, `methods`…)
 *   application level service `{app}`; each instance's metadata holds `dubbo.endpoints`,
 *                     `dubbo.metadata.revision`, `dubbo.metadata-service.url-params`… (as in ZooKeeper)
 *   mapping           config item dataId `{interface}`, group `mapping`: "app-a,app-b"
 *   metadata report   config item dataId `{app}`, group `{revision}`: MetadataInfo JSON (storage-type remote)
 */
import type { Endpoint } from '../types.js';
import type { AppInstance } from '../app-level/instance.js';
import { revisionOf } from '../app-level/instance.js';
import { parseMetadataInfo } from '../app-level/metadata-info.js';
import { appLevelEndpoints } from '../app-level/endpoints.js';
import type { MetadataFetcher, RevisionCache } from '../app-level/revisions.js';
import { matchesProvider, type ConsumerFilter, type DubboUrl } from '../zookeeper/dubbo-url.js';
import { endpointFromUrl } from '../zookeeper/providers.js';
import { parseMapping } from '../zookeeper/app-level.js';
import type { NacosInstance, NacosTransport } from './types.js';

export const MAPPING_GROUP = 'mapping';

export function interfaceServiceName(iface: string, version?: string, group?: string): string {
  return `providers:${iface}:${version ?? ''}:${group ?? ''}`;
}

/** Instances a consumer may call: healthy and enabled (Nacos keeps unhealthy ones listed for a while). */
export function usable(instances: readonly NacosInstance[]): NacosInstance[] {
  return instances.filter((i) => i.healthy && i.enabled);
}

/** An interface-level instance as the provider URL it was registered from. */
export function instanceUrl(i: NacosInstance): DubboUrl {
  const params = { ...i.metadata };
  return { protocol: params.protocol || 'dubbo', host: i.ip, port: i.port, path: params.path || params.interface || '', params };
}

/** Interface-level endpoints: the same filter and Endpoint shape as ZooKeeper's providers path. */
export function interfaceLevelEndpoints(instances: readonly NacosInstance[], filter: ConsumerFilter): Endpoint[] {
  const perExport = filter.version === '*' || filter.group === '*' || (filter.group?.includes(',') ?? false);
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const i of usable(instances)) {
    const url = instanceUrl(i);
    if (!matchesProvider(url, filter)) continue;
    const ep = endpointFromUrl(url, perExport);
    if (seen.has(ep.id)) continue;
    seen.add(ep.id);
    out.push(ep);
  }
  return out;
}

export function appInstances(app: string, instances: readonly NacosInstance[]): AppInstance[] {
  return usable(instances).map((i) => ({ app, host: i.ip, port: i.port, metadata: i.metadata }));
}

/** The provider applications of an interface, from the mapping config item (empty when none). */
export async function readNacosMapping(transport: NacosTransport, namespaceId: string, iface: string): Promise<string[]> {
  const content = await transport.getConfig(namespaceId, MAPPING_GROUP, iface);
  return content ? parseMapping(content) : [];
}

/** MetadataInfo from the Nacos metadata report (`storage-type: remote` apps). */
export function nacosReportFetcher(transport: NacosTransport, namespaceId: string): MetadataFetcher {
  return async (instance) => {
    const revision = revisionOf(instance);
    if (!revision) throw new Error('instance has no revision');
    const content = await transport.getConfig(namespaceId, revision, instance.app);
    if (!content) throw new Error(`no Nacos metadata report for ${instance.app} revision ${revision}`);
    return parseMetadataInfo(content);
  };
}

/** One read of the application-level picture in Nacos: apps (given, else the mapping), instances, revisions, endpoints. */
export async function readNacosAppLevelEndpoints(
  transport: NacosTransport,
  key: { namespaceId: string; groupName: string },
  filter: ConsumerFilter,
  cache: RevisionCache,
  apps?: readonly string[],
): Promise<Endpoint[]> {
  const names = apps?.length ? apps : await readNacosMapping(transport, key.namespaceId, filter.interface);
  const lists = await Promise.all(names.map(async (app) => appInstances(app, await transport.listInstances({ ...key, serviceName: app }))));
  const instances = lists.flat();
  return appLevelEndpoints(instances, await cache.resolve(instances), filter);
}
