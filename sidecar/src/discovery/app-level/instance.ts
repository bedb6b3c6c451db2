/**
 * A Dubbo 3 application instance, as registries hold it for application-level ("instance") discovery: the
 * app's name, one address, and metadata naming the exported protocols' ports, the metadata revision (which
 * service list this instance serves) and how to reach its MetadataService. The same keys in ZooKeeper
 * (`/services/{app}/{ip:port}`, Curator JSON payload) and Nacos (the app-named service's instance metadata),
 * from Dubbo's `ServiceInstanceMetadataUtils`.
 */

export const METADATA_KEYS = {
  endpoints: 'dubbo.endpoints',
  metadataServiceParams: 'dubbo.metadata-service.url-params',
  revision: 'dubbo.metadata.revision',
  storageType: 'dubbo.metadata.storage-type',
  metaVersion: 'meta-v',
} as const;

export interface AppInstance {
  app: string;
  host: string;
  /** The instance's own port (the first protocol's). */
  port: number;
  metadata: Record<string, string>;
}

/** Where the instance's MetadataService answers (`dubbo.metadata-service.url-params`). */
export interface MetadataServiceRef {
  protocol: string;
  port: number;
  /** `1.0.0` (V1, `MetadataService.getMetadataInfo`) or `2.0.0` (V2 protobuf over Triple). */
  version: string;
  params: Record<string, string>;
}

function jsonOf(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p <= 65535;

/** `dubbo.endpoints` = `[{"port":20880,"protocol":"dubbo"},{"port":50051,"protocol":"tri"}]` → protocol → port. */
export function protocolPorts(instance: AppInstance): Map<string, number> {
  const out = new Map<string, number>();
  const list = jsonOf(instance.metadata[METADATA_KEYS.endpoints]);
  if (Array.isArray(list)) {
    for (const e of list as Array<{ port?: unknown; protocol?: unknown }>) {
      const port = typeof e?.port === 'string' ? Number(e.port) : e?.port;
      if (e && typeof e.protocol === 'string' && isPort(port) && !out.has(e.protocol)) out.set(e.protocol, port);
    }
  }
  return out;
}

export function revisionOf(instance: AppInstance): string | undefined {
  return instance.metadata[METADATA_KEYS.revision] || undefined;
}

/** `local` (ask the instance's MetadataService; Dubbo's default) or `remote` (the registry's metadata report). */
export function storageTypeOf(instance: AppInstance): 'local' | 'remote' {
  return instance.metadata[METADATA_KEYS.storageType] === 'remote' ? 'remote' : 'local';
}

export function metadataServiceOf(instance: AppInstance): MetadataServiceRef | undefined {
  const raw = jsonOf(instance.metadata[METADATA_KEYS.metadataServiceParams]);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>))
    if (k !== '__proto__' && (typeof v === 'string' || typeof v === 'number')) params[k] = String(v);
  const protocol = params.protocol ?? 'dubbo';
  const port = Number(params.port ?? protocolPorts(instance).get(protocol) ?? instance.port);
  if (!isPort(port)) return undefined;
  return { protocol, port, version: params.version ?? '1.0.0', params };
}
