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
import type { RegistryConfig } from '../../config/schema.js';
import type { Logger } from '../../observability/logger.js';
import { sharedSession, type ZooKeeperSession } from './zk-client.js';

export interface MethodDefinition {
  name: string;
  parameterTypes: string[];
  returnType: string;
}

export interface ServiceDefinition {
  canonicalName: string;
  methods: MethodDefinition[];
  /** POJO field types by class name (JDK classes left out: Ferry knows those itself). */
  classes: Record<string, Record<string, string>>;
}

export interface MetadataKey {
  interface: string;
  version?: string;
  group?: string;
  /** The provider's `application` (from its registry URL). */
  application: string;
}

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
  if (!raw || typeof raw !== 'object' || !isStr(raw.canonicalName) || !Array.isArray(raw.methods)) throw new Error('not a Dubbo ServiceDefinition');
  const methods: MethodDefinition[] = [];
  for (const m of raw.methods.slice(0, MAX_METHODS) as Array<Record<string, unknown>>) {
    if (!m || !isStr(m.name) || !Array.isArray(m.parameterTypes) || !m.parameterTypes.every(isStr)) continue;
    methods.push({ name: m.name, parameterTypes: [...(m.parameterTypes as string[])], returnType: isStr(m.returnType) ? m.returnType : 'java.lang.Object' });
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
  /** The provider's ServiceDefinition, or undefined (no metadata published, ZooKeeper away, unreadable data). */
  get(key: MetadataKey): Promise<ServiceDefinition | undefined>;
  close(): Promise<void>;
}

const HIT_TTL_MS = 60_000;
const MISS_TTL_MS = 10_000;

/** Reads ServiceDefinitions through the registry's shared session; answers cached (a minute; misses 10 s). */
export function createMetadataReader(registry: RegistryConfig, logger?: Logger, session?: ZooKeeperSession): MetadataReader {
  let owned: ZooKeeperSession | undefined;
  const zk = () => session ?? (owned ??= sharedSession(registry, logger));
  const cache = new Map<string, { until: number; value: Promise<ServiceDefinition | undefined> }>();
  return {
    get(key) {
      const path = metadataPath(registry.root, key);
      const now = Date.now();
      const hit = cache.get(path);
      if (hit && hit.until > now) return hit.value;
      const value = (async () => {
        try {
          const data = await zk().getData(path);
          if (!data || data.length === 0) return undefined;
          return parseServiceDefinition(data.toString('utf8'));
        } catch (err) {
          logger?.debug({ err: (err as Error).message, path }, 'no Dubbo metadata');
          return undefined;
        }
      })();
      const entry = { until: now + MISS_TTL_MS, value };
      cache.set(path, entry);
      void value.then((def) => {
        if (def && cache.get(path) === entry) entry.until = Date.now() + HIT_TTL_MS;
      });
      if (cache.size > 1000) cache.delete(cache.keys().next().value!);
      return value;
    },
    async close() {
      cache.clear();
      await owned?.release();
      owned = undefined;
    },
  };
}
