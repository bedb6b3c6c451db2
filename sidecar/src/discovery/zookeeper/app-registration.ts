/**
 * Ferry registered at application level in ZooKeeper, as a Java Dubbo 3 provider with `register-mode:
 * instance|all` is: its instance node `/services/{app}/{host:port}` (ephemeral, Curator JSON, re-created on every
 * new session) and its name added to `/dubbo/mapping/{interface}` (persistent, shared with other apps: a
 * compare-and-set merge, as Java's `ZookeeperMetadataReport.registerServiceAppMapping`).
 */
import type { Logger } from '../../observability/logger.js';
import { instancesPath, mappingPath, parseMapping } from './app-level.js';
import { ZkError, ZK_NODE_EXISTS, type ZooKeeperSession } from './zk-client.js';

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

export interface AppInstanceRegistration {
  readonly path: string;
  /** Replaces the node's data (a new revision). */
  update(json: string): Promise<void>;
  close(): Promise<void>;
}

/** Keeps `/services/{app}/{host:port}` with `json` as data for as long as it lives. */
export async function registerAppInstance(session: ZooKeeperSession, app: string, host: string, port: number, json: string, logger?: Logger): Promise<AppInstanceRegistration> {
  const path = `${instancesPath(app)}/${host}:${port}`;
  let data = Buffer.from(json);
  let closed = false;
  session.retain();
  const ensure = async (): Promise<void> => {
    if (closed) return;
    await session.mkdirp(instancesPath(app));
    try {
      await session.create(path, true, data);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZK_NODE_EXISTS)) throw err;
      // an older session's node (expiry is not atomic): make it ours
      await session.remove(path);
      await session.create(path, true, data);
    }
  };
  const onSession = () => void ensure().catch((err) => logger?.error({ err: (err as Error).message, path }, 'zookeeper: could not re-register the application instance'));
  session.on('session', onSession);
  try {
    if (session.state !== 'connected' && !(await session.waitConnected(10_000))) throw new Error('zookeeper not connected');
    await ensure();
  } catch (err) {
    closed = true;
    session.off('session', onSession);
    await session.release();
    throw err;
  }
  return {
    path,
    async update(next) {
      data = Buffer.from(next);
      await session.setData(path, data);
    },
    async close() {
      if (closed) return;
      closed = true;
      session.off('session', onSession);
      await session.remove(path).catch(() => undefined);
      await session.release();
    },
  };
}
