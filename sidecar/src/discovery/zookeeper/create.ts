/** The `type: zookeeper` registry handle (see index.ts): watches, registrations, metadata, sessions. */
import type { EndpointSource, Registry, RegistryContext, RegistryState, ServiceQuery } from '../types.js';
import { consumerUrl, createZooKeeperSource, registerConsumer, registerProvider } from './providers.js';
import { createZooKeeperAppSource } from './app-source.js';
import { registerApplication } from './app-registration.js';
import { metadataReportFetcher } from './app-level.js';
import { discoveryModeOf } from '../mode.js';
import { mergedSource } from '../app-level/source.js';
import { RevisionCache, storageAwareFetcher, type MetadataFetcher } from '../app-level/revisions.js';
import { createMetadataReader, type MetadataReader } from './metadata.js';
import { sharedSession, type ZooKeeperSession } from './zk-client.js';
import type { ZooKeeperConfig } from './schema.js';

const noMetadataService: MetadataFetcher = () => Promise.reject(new Error('no MetadataService client in this build'));

export function createZooKeeperRegistry(name: string, config: ZooKeeperConfig, ctx: RegistryContext): Registry {
  const { logger } = ctx;
  let metadata: MetadataReader | undefined;
  const held: ZooKeeperSession[] = [];
  /** MetadataInfo by revision, for every service of this registry handle (a revision names fixed content). */
  let revisions: { cache: RevisionCache; session: ZooKeeperSession } | undefined;
  const revisionCache = () => {
    if (!revisions) {
      const session = sharedSession(config, logger);
      const fetch = storageAwareFetcher(ctx.appMetadata ?? noMetadataService, metadataReportFetcher(session, config.root));
      revisions = { cache: new RevisionCache({ fetch, logger }), session };
    }
    return revisions.cache;
  };
  const watch = (query: ServiceQuery): EndpointSource => {
    const key = {
      interface: query.interface,
      ...(query.version ? { version: query.version } : {}),
      ...(query.group ? { group: query.group } : {}),
    };
    const mode = discoveryModeOf(query.discovery, config.discovery);
    // jsonrpc providers have no application-level form in Dubbo 3
    const interfaceLevel = () => createZooKeeperSource(config, { ...key, protocol: query.scheme as 'dubbo' | 'jsonrpc' | 'tri', logger });
    if (mode === 'interface' || query.scheme === 'jsonrpc') return interfaceLevel();
    const appLevel = createZooKeeperAppSource(config, {
      ...key,
      protocol: query.scheme,
      cache: revisionCache(),
      ...(query.providedBy ? { providedBy: query.providedBy } : {}),
      logger,
    });
    return mode === 'instance' ? appLevel : mergedSource(appLevel, interfaceLevel(), logger);
  };
  return {
    name,
    type: 'zookeeper',
    watch,
    async register(instance, role) {
      const { application = '', version, group, methods, ...extra } = instance.params;
      const url =
        role === 'provider'
          ? {
              protocol: instance.scheme,
              host: instance.host,
              port: instance.port,
              path: instance.interface,
              params: { ...instance.params },
            }
          : consumerUrl({
              ip: instance.host,
              interface: instance.interface,
              application,
              ...(version ? { version } : {}),
              ...(group ? { group } : {}),
              ...(methods ? { methods: methods.split(',') } : {}),
              extra,
            });
      const registration = await (role === 'provider' ? registerProvider : registerConsumer)(config, url, { logger });
      return { id: registration.path, close: () => registration.close() };
    },
    registerApplication: (app) => registerApplication(config, app, logger),
    metadata: (key) => (metadata ??= createMetadataReader(config, logger)).get(key),
    onState(listener) {
      const session = sharedSession(config, logger);
      held.push(session);
      const on = (state: RegistryState) => () => listener(state);
      const listeners = { connected: on('connected'), disconnected: on('disconnected'), expired: on('expired') };
      listener(
        session.state === 'connected'
          ? 'connected'
          : session.state === 'closed'
            ? 'closed'
            : session.state === 'disconnected'
              ? 'disconnected'
              : 'connecting',
      );
      session.on('connected', listeners.connected);
      session.on('disconnected', listeners.disconnected);
      session.on('expired', listeners.expired);
      return () => {
        session.off('connected', listeners.connected);
        session.off('disconnected', listeners.disconnected);
        session.off('expired', listeners.expired);
        const i = held.indexOf(session);
        if (i >= 0) held.splice(i, 1);
        void session.release().catch(() => {});
      };
    },
    async close() {
      await metadata?.close();
      metadata = undefined;
      await revisions?.session.release();
      revisions = undefined;
      await Promise.allSettled(held.splice(0).map((s) => s.release()));
    },
  };
}
