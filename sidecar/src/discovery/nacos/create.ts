/** The `type: nacos` registry handle (see index.ts): sources, Ferry's own instances, metadata. */
import type { Registration, Registry, RegistryContext, ServiceInstance } from '../types.js';
import { RevisionCache, storageAwareFetcher } from '../app-level/revisions.js';
import { createAppLevelSource, mergedSource } from '../app-level/source.js';
import { appInstances, interfaceServiceName, nacosReportFetcher, readNacosMapping } from './dubbo.js';
import { createNacosHttpTransport } from './http-v1.js';
import { registerNacosApplication, type NacosApplication } from './app-registration.js';
import { createNacosMetadataReader } from './metadata.js';
import { registerInstance } from './registration.js';
import { interfaceSource, nameSource, type SourceContext } from './source.js';
import type { NacosConfig } from './schema.js';
import { discoveryModeOf } from '../mode.js';

/** What a provider URL becomes in Nacos (Java's NacosRegistry): the URL's parameters plus category, protocol, path. */
export function providerMetadata(instance: ServiceInstance): Record<string, string> {
  return { ...instance.params, category: 'providers', protocol: instance.scheme, path: instance.interface };
}

export function createNacosRegistry(name: string, config: NacosConfig, ctx: RegistryContext): Registry {
  const { logger } = ctx;
  const transport = createNacosHttpTransport({
    servers: config.address,
    timeoutMs: config.requestTimeoutMs,
    ...(config.username !== undefined ? { username: config.username, password: config.password ?? '' } : {}),
    ...(config.accessToken !== undefined ? { accessToken: config.accessToken } : {}),
  });
  const sourceCtx: SourceContext = {
    transport,
    namespaceId: config.namespace,
    groupName: config.group,
    intervalMs: config.pollIntervalMs,
    logger,
  };
  const base = { namespaceId: config.namespace, groupName: config.group };
  const registrations = new Set<Registration>();
  let revisions: RevisionCache | undefined;
  let metadata: ReturnType<typeof createNacosMetadataReader> | undefined;
  /** Ferry's own records, closed with the handle at the latest. */
  const track = (reg: { close(): Promise<void> }, id: string): Registration => {
    const registration: Registration = {
      id,
      async close() {
        registrations.delete(registration);
        await reg.close();
      },
    };
    registrations.add(registration);
    return registration;
  };

  const revisionCache = () =>
    (revisions ??= new RevisionCache({
      fetch: storageAwareFetcher(
        ctx.appMetadata ?? (() => Promise.reject(new Error('no MetadataService client in this build'))),
        nacosReportFetcher(transport, config.namespace),
      ),
      logger,
    }));

  // registerApplication: Ferry as a Dubbo 3 provider at application level (inbound.dubbo.registerMode)
  const registry: Registry & { registerApplication(app: NacosApplication): Promise<Registration> } = {
    name,
    type: 'nacos',
    watch(query) {
      if (query.app) return nameSource(sourceCtx, query.app);
      const filter = {
        interface: query.interface,
        ...(query.version ? { version: query.version } : {}),
        ...(query.group ? { group: query.group } : {}),
        protocols: [query.scheme],
      };
      const mode = discoveryModeOf(query.discovery, config.discovery);
      // jsonrpc providers have no application-level form in Dubbo 3
      if (mode === 'interface' || query.scheme === 'jsonrpc') return interfaceSource(sourceCtx, filter);
      const appLevel = createAppLevelSource({
        async read() {
          const apps = query.providedBy?.length ? query.providedBy : await readNacosMapping(transport, config.namespace, query.interface);
          const lists = await Promise.all(
            apps.map(async (app) => appInstances(app, await transport.listInstances({ ...base, serviceName: app }))),
          );
          return lists.flat();
        },
        cache: revisionCache(),
        filter,
        intervalMs: config.pollIntervalMs,
        logger,
      });
      return mode === 'instance' ? appLevel : mergedSource(appLevel, interfaceSource(sourceCtx, filter), logger);
    },
    async register(instance, role) {
      const serviceName = interfaceServiceName(instance.interface, instance.params.version, instance.params.group);
      // Java's NacosRegistry registers consumers only with `register-consumer-url=true`; Ferry does as its default
      if (role === 'consumer') return { id: `consumers:${serviceName.slice('providers:'.length)} (not registered)`, close: async () => {} };
      const spec = { ...base, serviceName, ip: instance.host, port: instance.port, metadata: providerMetadata(instance) };
      return track(await registerInstance(transport, spec, { logger }), serviceName);
    },
    registerApplication: async (app: NacosApplication) => {
      const reg = await registerNacosApplication(transport, base, app, logger);
      return track(reg, reg.id);
    },
    metadata: (key) => (metadata ??= createNacosMetadataReader(transport, config.namespace, logger)).get(key),
    async close() {
      await Promise.allSettled([...registrations].map((r) => r.close()));
      await transport.close();
    },
  };
  return registry;
}
