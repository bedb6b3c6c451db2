/**
 * A service's providers from Dubbo 3 application-level records in ZooKeeper, as an EndpointSource: the apps
 * of `/dubbo/mapping/{interface}` (or the configured `providedBy`), their instances under `/services/{app}`, each
 * revision's MetadataInfo (cached by revision for the whole registry). The instance lists are watched (a provider
 * leaving is seen at once); the mapping and instance data (a new revision) are re-read every `instancePollMs`.
 */
import type { Logger } from '../../observability/logger.js';
import type { EndpointSource } from '../types.js';
import { createAppLevelSource } from '../app-level/source.js';
import type { RevisionCache } from '../app-level/revisions.js';
import { instancesPath, readAppInstances, readMapping } from './app-level.js';
import { childrenWatch, type ChildrenWatch } from './providers.js';
import type { ZooKeeperConfig } from './schema.js';
import { sharedSession } from './zk-client.js';

export interface AppSourceOptions {
  interface: string;
  version?: string;
  group?: string;
  /** Provider URL scheme to keep (`dubbo`, `tri`). */
  protocol: string;
  cache: RevisionCache;
  /** The provider applications, when configured (else the mapping says). */
  providedBy?: readonly string[];
  logger?: Logger;
}

export function createZooKeeperAppSource(registry: ZooKeeperConfig, opts: AppSourceOptions): EndpointSource {
  const session = sharedSession(registry, opts.logger);
  /** Per provider app: its instance-list watch and the children last seen (a repeat is no change). */
  const watched = new Map<string, { watch: ChildrenWatch; listener: (children: readonly string[]) => void; last?: string }>();
  let refresh = () => {};

  const follow = (apps: readonly string[]) => {
    for (const [app, w] of watched) {
      if (apps.includes(app)) continue;
      w.watch.remove(w.listener);
      watched.delete(app);
    }
    for (const app of apps) {
      if (watched.has(app)) continue;
      const entry: { watch: ChildrenWatch; listener: (children: readonly string[]) => void; last?: string } = {
        watch: childrenWatch(session, instancesPath(app), opts.logger),
        listener: (children) => {
          const now = [...children].sort().join(',');
          const changed = entry.last !== undefined && entry.last !== now;
          entry.last = now;
          if (changed) refresh();
        },
      };
      watched.set(app, entry);
      entry.watch.add(entry.listener);
    }
  };

  const source = createAppLevelSource({
    async read() {
      const apps = opts.providedBy?.length ? [...opts.providedBy] : await readMapping(session, registry.root, opts.interface);
      follow(apps);
      return (await Promise.all(apps.map((app) => readAppInstances(session, app)))).flat();
    },
    cache: opts.cache,
    filter: { interface: opts.interface, version: opts.version, group: opts.group, protocols: [opts.protocol] },
    intervalMs: registry.instancePollMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
    async onClose() {
      follow([]);
      await session.release();
    },
  });
  refresh = () => source.refresh();
  return source;
}
