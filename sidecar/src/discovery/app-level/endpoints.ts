/**
 * Application-level instances + their revisions' MetadataInfo → the endpoint list the interface-level path
 * builds for the same providers: one Dubbo URL per (instance, exported service), matched and turned into an
 * Endpoint exactly as a `/dubbo/{iface}/providers` node would be.
 */
import type { Endpoint } from '../types.js';
import { matchesProvider, type ConsumerFilter, type DubboUrl } from '../zookeeper/dubbo-url.js';
import { endpointFromUrl } from '../zookeeper/providers.js';
import { protocolPorts, revisionOf, type AppInstance } from './instance.js';
import type { MetadataInfo, ServiceInfo } from './metadata-info.js';

/** The provider URL an interface-level registration of this service on this instance would carry. */
export function serviceUrl(instance: AppInstance, service: ServiceInfo): DubboUrl {
  const port = protocolPorts(instance).get(service.protocol) ?? service.port ?? instance.port;
  const params: Record<string, string> = { ...service.params, interface: service.name, application: instance.app, side: 'provider' };
  if (service.version) params.version = service.version;
  else delete params.version;
  if (service.group) params.group = service.group;
  else delete params.group;
  return { protocol: service.protocol, host: instance.host, port, path: service.path ?? service.name, params };
}

/**
 * Endpoints of the services matching `filter` (interface, version, group, protocols) over all instances whose
 * revision's MetadataInfo is known (`infos` by revision); instances of unknown revisions are left out. One
 * endpoint per id, as on the interface-level path.
 */
export function appLevelEndpoints(
  instances: readonly AppInstance[],
  infos: ReadonlyMap<string, MetadataInfo>,
  filter: ConsumerFilter,
): Endpoint[] {
  const perExport = filter.version === '*' || filter.group === '*' || (filter.group?.includes(',') ?? false);
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const instance of instances) {
    const revision = revisionOf(instance);
    const info = revision ? infos.get(revision) : undefined;
    if (!info) continue;
    for (const service of info.services) {
      if (service.name !== filter.interface) continue;
      const url = serviceUrl(instance, service);
      if (!matchesProvider(url, filter)) continue;
      const ep = endpointFromUrl(url, perExport);
      if (seen.has(ep.id)) continue;
      seen.add(ep.id);
      out.push(ep);
    }
  }
  return out;
}

/**
 * Dubbo's APPLICATION_FIRST merge: a provider registered both ways (register-mode `all`) is one endpoint. The
 * application-level entry wins when both name the same id (it carries the revision's full parameters).
 */
export function mergeEndpoints(appLevel: readonly Endpoint[], interfaceLevel: readonly Endpoint[]): Endpoint[] {
  const ids = new Set(appLevel.map((e) => e.id));
  return [...appLevel, ...interfaceLevel.filter((e) => !ids.has(e.id))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
