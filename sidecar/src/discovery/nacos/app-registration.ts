/**
 * Ferry registered at application level in Nacos, as a Java Dubbo 3 provider with `register-mode: instance|all`
 * is: an ephemeral, heartbeated instance of the app-named service whose metadata points Java consumers at the
 * revision and at Ferry's MetadataService, and the app's name in each interface's mapping config item (dataId
 * `{interface}`, group `mapping`; persistent and shared with other apps, as Java leaves it).
 */
import type { Logger } from '../../observability/logger.js';
import { parseMapping } from '../zookeeper/app-level.js';
import { MAPPING_GROUP } from './dubbo.js';
import { registerInstance } from './registration.js';
import type { NacosServiceKey, NacosTransport } from './types.js';
import type { Registration } from '../types.js';
import type { MetadataInfo } from '../app-level/metadata-info.js';
import { instanceMetadata } from '../app-level/publish.js';

/**
 * Adds `app` to the interface's mapping unless it is there. The v1 config API has no compare-and-set that every
 * server honours: the write is read back, and a write that lost a race with another app's is made again.
 */
export async function addNacosMapping(transport: NacosTransport, namespaceId: string, iface: string, app: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const apps = parseMapping((await transport.getConfig(namespaceId, MAPPING_GROUP, iface)) ?? '');
    if (apps.includes(app)) return;
    await transport.publishConfig(namespaceId, MAPPING_GROUP, iface, [...apps, app].join(','));
  }
  throw new Error(`nacos: could not add ${app} to the mapping of ${iface} (concurrent updates)`);
}

/** Ferry's application instance (what `Registry.registerApplication` is given). */
export interface NacosApplication {
  application: string;
  host: string;
  /** The Dubbo port (services and MetadataService). */
  port: number;
  metadata: MetadataInfo;
}

/**
 * The app's name in the mapping of each interface it serves, then its instance: ephemeral, heartbeated,
 * registered again after a Nacos restart, deregistered on close (the mapping stays, as Java leaves it).
 */
export async function registerNacosApplication(
  transport: NacosTransport,
  base: Omit<NacosServiceKey, 'serviceName'>,
  app: NacosApplication,
  logger?: Logger,
): Promise<Registration> {
  for (const iface of new Set(app.metadata.services.map((s) => s.name)))
    await addNacosMapping(transport, base.namespaceId, iface, app.application);
  const protocol = app.metadata.services[0]?.protocol ?? 'dubbo';
  const spec = {
    ...base,
    serviceName: app.application,
    ip: app.host,
    port: app.port,
    metadata: instanceMetadata(app.metadata, app.port, protocol),
  };
  const registration = await registerInstance(transport, spec, logger ? { logger } : {});
  return { id: `${app.application} (application level)`, close: () => registration.close() };
}
