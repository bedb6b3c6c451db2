/**
 * The provider URLs Ferry publishes in ZooKeeper for the services it exposes (interface-level registration,
 * `/{root}/{interface}/providers/{URL-encoded url}`, ephemeral), shaped like a Java Dubbo 3 provider's so
 * that Dubbo 3.3 and 3.2 Java consumers select and call it.
 */
import type { FerryConfig } from '../../../config/schema.js';
import { inboundDubbo, type InboundServiceConfig } from './schema.js';
import type { Registration, Registry, ServiceInstance } from '../../../discovery/types.js';
import type { Logger } from '../../../observability/logger.js';
import { DUBBO_PROTOCOL_VERSION } from '../body.js';
import { methodName } from './methods.js';
import type { MetadataInfo } from '../../../discovery/app-level/metadata-info.js';
import { buildMetadataInfo } from '../../../discovery/app-level/publish.js';
import { registersAt } from '../../../discovery/mode.js';

/**
 * The Dubbo release whose wire behaviour Ferry follows (published as `release`). Java consumers read it
 * to decide on protocol features; it must parse as a Dubbo version.
 */
export const DUBBO_COMPATIBLE_RELEASE = '3.3.6';

export interface ProviderUrlOptions {
  application: string;
  /** The address consumers connect to (pod IP). */
  host: string;
  port: number;
  /** `inbound.app.timeoutMs`: published as the provider default `timeout`. */
  timeoutMs: number;
  /** The provider token (`token=`): consumers that found Ferry in the registry send it with every call. */
  token?: string;
  timestamp?: number;
}

/**
 * The provider URL of one service. Parameters as Java's (3.3) plus what Ferry needs consumers to do:
 * `serialization=hessian2&prefer.serialization=hessian2` (a 3.2 consumer would otherwise pick fastjson2),
 * `timeout` / `<method>.timeout` (the consumer's default when it sets none), `anyhost=false` (the host is the
 * advertised one, not a wildcard bind), `generic=false` (consumers call typed methods; generic `$invoke`
 * works as well).
 */
export function providerUrl(service: InboundServiceConfig, opts: ProviderUrlOptions): ServiceInstance {
  const methods = [...new Set(Object.keys(service.methods).map(methodName))].sort();
  const params: Record<string, string> = {
    anyhost: 'false',
    application: opts.application,
    background: 'false',
    deprecated: 'false',
    dubbo: DUBBO_PROTOCOL_VERSION,
    dynamic: 'true',
    generic: 'false',
    interface: service.interface,
    methods: methods.join(','),
    pid: String(process.pid),
    'prefer.serialization': 'hessian2',
    release: DUBBO_COMPATIBLE_RELEASE,
    serialization: 'hessian2',
    side: 'provider',
    timeout: String(opts.timeoutMs),
    timestamp: String(opts.timestamp ?? Date.now()),
  };
  for (const [key, m] of Object.entries(service.methods)) if (m.timeoutMs) params[`${methodName(key)}.timeout`] = String(m.timeoutMs);
  if (service.version) params.version = service.version;
  if (service.group) params.group = service.group;
  if (opts.token !== undefined) params.token = opts.token;
  return { scheme: 'dubbo', host: opts.host, port: opts.port, interface: service.interface, params };
}

/** The URLs of every inbound service as this provider publishes them (interface level). */
export function providerUrls(config: FerryConfig, host: string, port: number, token?: string): ServiceInstance[] {
  const { application } = config;
  const opts = { application, host, port, timeoutMs: config.inbound.app.timeoutMs, ...(token === undefined ? {} : { token }) };
  return inboundDubbo(config)!.services.map((service) => providerUrl(service, opts));
}

/** What Ferry's MetadataService answers and its instance record names (register mode `instance`/`all`). */
export function applicationMetadata(config: FerryConfig, host: string, port: number, token?: string): MetadataInfo {
  const urls = providerUrls(config, host, port, token).map((u) => ({
    protocol: u.scheme,
    host: u.host,
    port: u.port,
    path: u.interface,
    params: { ...u.params },
  }));
  return buildMetadataInfo(config.application, urls);
}

/**
 * Registers every inbound service as `inbound.dubbo.registerMode` says: interface-level provider records,
 * the application instance (`metadata` = `applicationMetadata(…)`), or both. Resolves once all records exist (or,
 * with the registry away, once it is retrying in the background: registries re-create their records after a
 * session loss).
 */
export async function registerServices(
  config: FerryConfig,
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
  metadata?: MetadataInfo,
  token?: string,
): Promise<Registration[]> {
  const at = registersAt(inboundDubbo(config)!.registerMode);
  const registrations: Registration[] = [];
  try {
    if (at.interface) {
      for (const url of providerUrls(config, host, port, token)) {
        registrations.push(await registry.register(url, 'provider'));
        const { version, group } = url.params;
        logger.info({ interface: url.interface, version, group, address: `${host}:${port}` }, 'dubbo provider registered');
      }
    }
    if (at.instance && metadata) {
      if (!registry.registerApplication) {
        const { name, type } = registry;
        logger.warn({ registry: name, type }, 'dubbo provider: this registry type has no application-level registration');
      } else {
        registrations.push(await registry.registerApplication({ application: config.application, host, port, metadata }));
        const { revision } = metadata;
        logger.info({ application: config.application, revision, address: `${host}:${port}` }, 'dubbo application instance registered');
      }
    }
  } catch (err) {
    await Promise.all(registrations.map((r) => r.close().catch(() => undefined)));
    throw err;
  }
  return registrations;
}
