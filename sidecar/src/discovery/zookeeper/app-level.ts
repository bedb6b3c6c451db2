/**
 * Dubbo 3 application-level discovery data in ZooKeeper (what `register-mode: instance|all` providers write):
 *
 *   /dubbo/mapping/{interface}          data "app-a,app-b"   (interface → provider applications)
 *   /services/{app}/{ip:port}           Curator x-discovery JSON, payload.metadata = the instance metadata
 *   /dubbo/metadata/{app}/{revision}    MetadataInfo JSON, when the app uses `metadata.storage-type: remote`
 *
 * Readers only: parsing is strict about shape and lenient about extra fields (registry data is not trusted).
 */
import type { Endpoint } from '../types.js';
import type { AppInstance } from '../app-level/instance.js';
import { appLevelEndpoints } from '../app-level/endpoints.js';
import { parseMetadataInfo } from '../app-level/metadata-info.js';
import { revisionOf } from '../app-level/instance.js';
import type { MetadataFetcher, RevisionCache } from '../app-level/revisions.js';
import type { ConsumerFilter } from './dubbo-url.js';
import type { ZooKeeperSession } from './zk-client.js';

/** `ZookeeperServiceDiscovery`'s root for instances (not under the registry root). */
export const SERVICES_ROOT = '/services';

const trimRoot = (root: string) => (root === '/' ? '' : root.replace(/\/+$/, ''));

export function mappingPath(root: string, iface: string): string {
  return `${trimRoot(root)}/mapping/${iface}`;
}

export function instancesPath(app: string): string {
  return `${SERVICES_ROOT}/${app}`;
}

export function metadataReportPath(root: string, app: string, revision: string): string {
  return `${trimRoot(root)}/metadata/${app}/${revision}`;
}

const APP_NAME = /^[\w.@:-]{1,200}$/;

/** `"app-a,app-b"` → `['app-a', 'app-b']` (names that cannot be a znode segment are dropped). */
export function parseMapping(data: string): string[] {
  return [...new Set(data.split(',').map((s) => s.trim()).filter((s) => APP_NAME.test(s)))];
}

/** One `/services/{app}/{ip:port}` node. Throws on anything that is not a Curator instance of a Dubbo app. */
export function parseCuratorInstance(text: string, app: string): AppInstance {
  const raw = JSON.parse(text) as { address?: unknown; port?: unknown; name?: unknown; payload?: { metadata?: unknown } };
  if (!raw || typeof raw !== 'object' || typeof raw.address !== 'string' || !raw.address) throw new Error('not a Curator service instance');
  const port = Number(raw.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad instance port ${String(raw.port)}`);
  const metadata: Record<string, string> = Object.create(null);
  const m = raw.payload?.metadata;
  if (m && typeof m === 'object' && !Array.isArray(m)) {
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) if (k !== '__proto__' && typeof v === 'string') metadata[k] = v;
  }
  return { app: typeof raw.name === 'string' && raw.name ? raw.name : app, host: raw.address, port, metadata };
}

/** The provider applications of an interface (empty when no mapping was written). */
export async function readMapping(session: ZooKeeperSession, root: string, iface: string): Promise<string[]> {
  const data = await session.getData(mappingPath(root, iface));
  return data ? parseMapping(data.toString('utf8')) : [];
}

/** The instances of an app now (unparsable nodes skipped; a missing app is empty). */
export async function readAppInstances(session: ZooKeeperSession, app: string): Promise<AppInstance[]> {
  let children: string[];
  try {
    children = await session.getChildren(instancesPath(app));
  } catch (err) {
    if ((err as { code?: unknown }).code === -101) return [];
    throw err;
  }
  const out: AppInstance[] = [];
  await Promise.all(
    children.map(async (child) => {
      const data = await session.getData(`${instancesPath(app)}/${child}`);
      if (!data) return;
      try {
        out.push(parseCuratorInstance(data.toString('utf8'), app));
      } catch {
        // not a Dubbo instance: skip
      }
    }),
  );
  return out.sort((a, b) => (a.host + a.port < b.host + b.port ? -1 : 1));
}

/** MetadataInfo from the metadata report (`storage-type: remote` apps). */
export function metadataReportFetcher(session: ZooKeeperSession, root: string): MetadataFetcher {
  return async (instance) => {
    const revision = revisionOf(instance);
    if (!revision) throw new Error('instance has no revision');
    const data = await session.getData(metadataReportPath(root, instance.app, revision));
    if (!data || data.length === 0) throw new Error(`no metadata report at ${metadataReportPath(root, instance.app, revision)}`);
    return parseMetadataInfo(data.toString('utf8'));
  };
}

/**
 * One read of the application-level picture for a consumer: apps (`apps`, else the mapping), their instances,
 * their revisions' MetadataInfo (through `cache`), and the resulting endpoints.
 */
export async function readAppLevelEndpoints(
  session: ZooKeeperSession,
  root: string,
  filter: ConsumerFilter,
  cache: RevisionCache,
  apps?: readonly string[],
): Promise<Endpoint[]> {
  const names = apps?.length ? apps : await readMapping(session, root, filter.interface);
  const instances = (await Promise.all(names.map((a) => readAppInstances(session, a)))).flat();
  const infos = await cache.resolve(instances);
  return appLevelEndpoints(instances, infos, filter);
}
