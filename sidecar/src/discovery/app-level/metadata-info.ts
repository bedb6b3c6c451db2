/**
 * Dubbo 3 `MetadataInfo`: the service list behind one metadata revision of an application. It comes from the
 * instance's MetadataService (V1 Hessian object, V2 protobuf message) or the registry's metadata report (JSON);
 * all three have the same shape:
 *
 *   {app, revision (V2: version), services: {"group/iface:version:protocol": {name, group, version, protocol,
 *    port, path, params: {methods, serialization, prefer.serialization, weight, token, timeout…}}}}
 *
 * Registry data is not trusted: bad entries are dropped.
 */

export interface ServiceInfo {
  /** The interface. */
  name: string;
  group?: string;
  version?: string;
  protocol: string;
  port?: number;
  path?: string;
  params: Record<string, string>;
}

export interface MetadataInfo {
  app: string;
  revision: string;
  services: ServiceInfo[];
}

const MAX_SERVICES = 10_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length < 4096 ? v : undefined);

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (v instanceof Map) v = Object.fromEntries(v);
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === '__proto__') continue;
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
  }
  return out;
}

/** Parses a MetadataInfo from any of its three sources; throws when it is not one. */
export function parseMetadataInfo(raw: unknown): MetadataInfo {
  const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!value || typeof value !== 'object') throw new Error('not a Dubbo MetadataInfo');
  const o = value as Record<string, unknown>;
  const app = str(o.app);
  const revision = str(o.revision) ?? str(o.version);
  let services = o.services;
  if (services instanceof Map) services = Object.fromEntries(services);
  if (!app || !services || typeof services !== 'object') throw new Error('not a Dubbo MetadataInfo (no app or services)');
  const list: ServiceInfo[] = [];
  for (const s of Object.values(services as Record<string, unknown>).slice(0, MAX_SERVICES)) {
    if (!s || typeof s !== 'object') continue;
    const si = s as Record<string, unknown>;
    const name = str(si.name);
    const protocol = str(si.protocol);
    if (!name || !protocol) continue;
    const port = typeof si.port === 'number' ? si.port : Number(si.port);
    const info: ServiceInfo = { name, protocol, params: stringMap(si.params) };
    const group = str(si.group);
    const version = str(si.version);
    const path = str(si.path);
    if (group) info.group = group;
    if (version) info.version = version;
    if (path) info.path = path;
    if (Number.isInteger(port) && port > 0 && port <= 65535) info.port = port;
    list.push(info);
  }
  return { app, revision: revision ?? '', services: list };
}
