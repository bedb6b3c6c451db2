/**
 * `type: zookeeper`: Dubbo's interface-level layout on ZooKeeper (`/{root}/{interface}/{providers,consumers}`
 * of URL-encoded Dubbo URLs, ephemeral nodes) and Dubbo 3 metadata under `/{root}/metadata`. Handles of the same
 * registry config share one session (reference-counted).
 */
import type { RegistryPlugin } from '../types.js';
import { zookeeperSchema, type ZooKeeperConfig } from './schema.js';

export const zookeeper: RegistryPlugin<ZooKeeperConfig> = {
  type: 'zookeeper',
  schema: zookeeperSchema,
  load: async () => (await import('./create.js')).createZooKeeperRegistry,
};
