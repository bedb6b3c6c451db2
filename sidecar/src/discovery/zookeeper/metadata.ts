/**
 * Dubbo 3 service metadata in ZooKeeper: the `ServiceDefinition` a provider publishes when the registry doubles
 * as its metadata center (Dubbo 3's default for a `zookeeper://` registry), at
 * `/{root}/metadata/{interface}[/{version}][/{group}]/provider/{application}`:
 *
 *   {"canonicalName": "com.example.UserService",
 *    "methods": [{"name": "save", "parameterTypes": ["com.example.User"], "returnType": "long"}, …],
 *    "types": [{"type": "com.example.User", "properties": {"id": "long", "birthday": "java.util.Date"}}, …]}
 *
 * Ferry reads it to fill in what the config does not say: parameter types of methods (generic calls need no
 * config at all), return types, and POJO field types (so a Date nested in a POJO travels as a Date).
 */
import type { ZooKeeperConfig as RegistryConfig } from './schema.js';
import type { Logger } from '../../observability/logger.js';
import { sharedSession, ZkError, type ZooKeeperSession } from './zk-client.js';
import type { MetadataKey, MethodDefinition, ServiceDefinition } from '../types.js';

export type { MethodDefinition, ServiceDefinition, MetadataKey } from '../types.js';

/** `/dubbo/metadata/com.example.UserService/1.0.0/blue/provider/user-app` (empty version/group segments left out). */
export function metadataPath(root: string, key: MetadataKey): string {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  // Dubbo writes these segments as they are (no URL encoding, unlike the providers path)
  const segments = [key.interface, key.version, key.group].filter((s): s is string => !!s);
  return `${r}/metadata/${segments.join('/')}/provider/${key.application}`;
}

const MAX_METHODS = 10_000;
const MAX_TYPES = 10_000;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 2048;
/** JDK types are handled by Ferry's own conversions; their "properties" (e.g. Instant's seconds/nanos) are not for JSON. */
const JDK = /^(java|javax|jdk|sun)\./;

/** Parses and checks a ServiceDefinition JSON (registry data is not trusted: bad entries are dropped). */
export function parseServiceDefinition(text: string): ServiceDefinition {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (!raw || typeof raw !== 'object' || !isStr(raw.canonicalName) || !Array.isArray(raw.methods))
    throw new Error('not a Dubbo ServiceDefinition');
  const methods: MethodDefinition[] = [];
  for (const m of raw.methods.slice(0, MAX_METHODS) as Array<Record<string, unknown>>) {
    if (!m || !isStr(m.name) || !Array.isArray(m.parameterTypes) || !m.parameterTypes.every(isStr)) continue;
    methods.push({
      name: m.name,
      parameterTypes: [...(m.parameterTypes as string[])],
      returnType: isStr(m.returnType) ? m.returnType : 'java.lang.Object',
    });
  }
  const classes: Record<string, Record<string, string>> = Object.create(null);
  for (const t of (Array.isArray(raw.types) ? raw.types.slice(0, MAX_TYPES) : []) as Array<Record<string, unknown>>) {
    if (!t || !isStr(t.type) || JDK.test(t.type) || /[<[]/.test(t.type)) continue;
    const props = t.properties;
    if (!props || typeof props !== 'object' || Array.isArray(props)) continue;
    const fields: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(props as Record<string, unknown>)) if (k !== '__proto__' && isStr(v)) fields[k] = v;
    if (Object.keys(fields).length > 0 && t.type !== '__proto__') classes[t.type] = fields;
  }
  return { canonicalName: raw.canonicalName, methods, classes };
}

export interface MetadataReader {
  /**
   * The provider's ServiceDefinition, or undefined (none published, unreadable data, or not read yet). Answers from
   * memory; only the first ask for a provider waits for ZooKeeper, and that at most `FIRST_READ_WAIT_MS`.
   */
  get(key: MetadataKey): Promise<ServiceDefinition | undefined>;
  close(): Promise<void>;
}

/** How long the first call to a provider waits for its metadata (afterwards it is answered from memory). */
const FIRST_READ_WAIT_MS = 1000;
/** After a failed read (ZooKeeper away or slow) the last known answer keeps serving; the read is tried again. */
const RETRY_MS = 5000;
const MAX_ENTRIES = 1000;

interface Entry {
  /** The last known answer, resolved (one promise per change, not per call). */
  answer: Promise<ServiceDefinition | undefined>;
  /** The first read's answer, until it settles (or `FIRST_READ_WAIT_MS` passes). */
  first?: Promise<ServiceDefinition | undefined>;
  reading: boolean;
  retry?: NodeJS.Timeout;
}

/**
 * Reads ServiceDefinitions through the registry's shared session and keeps them: a ZooKeeper watch re-reads a
 * definition when it changes (or appears), a new session re-reads them all, a failed read is retried in the
 * background — and meanwhile the last known answer keeps serving. Nothing on the request path waits on
 * ZooKeeper being away: the providers' own list is served the same way.
 */
export function createMetadataReader(registry: RegistryConfig, logger?: Logger, session?: ZooKeeperSession): MetadataReader {
  let owned: ZooKeeperSession | undefined;
  let listening: ZooKeeperSession | undefined;
  const cache = new Map<string, Entry>();
  const onSession = () => {
    for (const path of cache.keys()) read(path);
  };
  const zk = () => {
    const s = session ?? (owned ??= sharedSession(registry, logger));
    if (listening !== s) {
      listening = s;
      s.on('session', onSession);
    }
    return s;
  };

  const settle = (path: string, def: ServiceDefinition | undefined) => {
    const entry = cache.get(path);
    if (entry) entry.answer = Promise.resolve(def);
  };

  const read = (path: string): Promise<void> | undefined => {
    const entry = cache.get(path);
    if (!entry || entry.reading) return undefined;
    entry.reading = true;
    clearTimeout(entry.retry);
    const again = () => {
      if (cache.get(path) === entry) read(path);
    };
    const s = zk();
    return (async () => {
      try {
        const data = await s.getData(path, again);
        if (data === undefined) {
          // not published (yet): watch for its creation; created meanwhile → read it now
          settle(path, undefined);
          if (await s.exists(path, again)) setImmediate(again);
        } else settle(path, data.length === 0 ? undefined : parseServiceDefinition(data.toString('utf8')));
      } catch (err) {
        if (err instanceof ZkError) {
          logger?.debug({ err: err.message, path }, 'Dubbo metadata not read; the last known answer keeps serving');
          entry.retry = setTimeout(again, RETRY_MS);
          entry.retry.unref();
        } else {
          logger?.debug({ err: (err as Error).message, path }, 'unreadable Dubbo metadata');
          settle(path, undefined);
        }
      } finally {
        entry.reading = false;
      }
    })();
  };

  return {
    get(key) {
      const path = metadataPath(registry.root, key);
      const hit = cache.get(path);
      if (hit) return hit.first ?? hit.answer;
      const entry: Entry = { answer: Promise.resolve(undefined), reading: false };
      cache.set(path, entry);
      if (cache.size > MAX_ENTRIES) {
        const [oldest, old] = cache.entries().next().value!;
        clearTimeout(old.retry);
        cache.delete(oldest);
      }
      const connected = zk().state === 'connected';
      const reading = read(path);
      if (!connected || !reading) return entry.answer;
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((r) => (timer = setTimeout(r, FIRST_READ_WAIT_MS)));
      const first = Promise.race([reading, waited])
        .then(() => entry.answer)
        .finally(() => {
          clearTimeout(timer);
          entry.first = undefined;
        });
      entry.first = first;
      return first;
    },
    async close() {
      for (const entry of cache.values()) clearTimeout(entry.retry);
      cache.clear();
      listening?.off('session', onSession);
      listening = undefined;
      await owned?.release();
      owned = undefined;
    },
  };
}
