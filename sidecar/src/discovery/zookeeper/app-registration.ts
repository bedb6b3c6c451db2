/**
 * Ferry registered at application level in ZooKeeper, as a Java Dubbo 3 provider with `register-mode:
 * instance|all` is: its instance node `/services/{app}/{host:port}` (ephemeral, Curator JSON, re-created on every
 * new session) and its name added to `/dubbo/mapping/{interface}` (persistent, shared with other apps: a
 * compare-and-set merge, as Java's `ZookeeperMetadataReport.registerServiceAppMapping`).
 */
import type { Logger } from '../../observability/logger.js';
import type { ApplicationInstance, Registration as RegistryRecord } from '../types.js';
import { curatorInstanceJson, instanceMetadata } from '../app-level/publish.js';
import { registerEphemeral, type Registration } from './providers.js';
import { instancesPath, mappingPath, parseMapping } from './app-level.js';
import type { ZooKeeperConfig } from './schema.js';
import { sharedSession, ZkError, ZK_NODE_EXISTS, type ZooKeeperSession } from './zk-client.js';

const ZK_BAD_VERSION = -103;

/** Adds `app` to the interface's mapping node unless it is there (retries a lost compare-and-set). */
export async function addMapping(session: ZooKeeperSession, root: string, iface: string, app: string): Promise<void> {
  const path = mappingPath(root, iface);
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await session.getDataWithVersion(path);
    if (!current) {
      await session.mkdirp(path.slice(0, path.lastIndexOf('/')));
      try {
        await session.create(path, false, Buffer.from(app));
        return;
      } catch (err) {
        if (err instanceof ZkError && err.code === ZK_NODE_EXISTS) continue;
        throw err;
      }
    }
    const apps = parseMapping(current.data.toString('utf8'));
    if (apps.includes(app)) return;
    try {
      await session.setData(path, Buffer.from([...apps, app].join(',')), current.version);
      return;
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZK_BAD_VERSION)) throw err;
    }
  }
  throw new Error(`could not add ${app} to ${path}: too many concurrent updates`);
}

/** Keeps `/services/{app}/{host:port}` with the Curator JSON `json` as data for as long as it lives. */
export function registerAppInstance(
  session: ZooKeeperSession,
  app: string,
  host: string,
  port: number,
  json: string,
  logger?: Logger,
): Promise<Registration> {
  return registerEphemeral(session, `${instancesPath(app)}/${host}:${port}`, logger, Buffer.from(json));
}

/**
 * Ferry at application level in ZooKeeper: the mapping of each served interface (written now and again on every
 * new session, in case ZooKeeper lost it) and the instance node (ephemeral, re-created per session). Closing
 * removes the instance; the mapping stays, as Java leaves it (other instances of the app share it).
 */
export async function registerApplication(registry: ZooKeeperConfig, app: ApplicationInstance, logger?: Logger): Promise<RegistryRecord> {
  const session = sharedSession(registry, logger);
  const interfaces = [...new Set(app.metadata.services.map((s) => s.name))];
  const map = async () => {
    for (const iface of interfaces) await addMapping(session, registry.root, iface, app.application);
  };
  const onSession = () =>
    void map().catch((err: unknown) =>
      logger?.warn({ err: (err as Error).message, app: app.application }, 'zookeeper: could not write the mapping'),
    );
  session.on('session', onSession);
  try {
    if (session.state === 'connected' || (await session.waitConnected(10_000))) await map();
    const metadata = instanceMetadata(app.metadata, app.port);
    const json = curatorInstanceJson(app.application, app.host, app.port, metadata);
    const instance = await registerAppInstance(session, app.application, app.host, app.port, json, logger);
    return {
      id: instance.path,
      async close() {
        session.off('session', onSession);
        await instance.close();
        await session.release();
      },
    };
  } catch (err) {
    session.off('session', onSession);
    await session.release();
    throw err;
  }
}
