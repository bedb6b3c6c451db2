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
  return { scheme: 'dubbo', host: opts.host, port: opts.port, interface: service.interface, params };
}

/**
 * Registers every inbound service; resolves once all nodes exist (or, with ZooKeeper away, once it is
 * retrying in the background: registries re-create their records after a session loss).
 */
export async function registerServices(
  config: FerryConfig,
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<Registration[]> {
  const dubbo = inboundDubbo(config)!;
  const registrations: Registration[] = [];
  try {
    for (const service of dubbo.services) {
      const url = providerUrl(service, { application: config.application, host, port, timeoutMs: config.inbound.app.timeoutMs });
      registrations.push(await registry.register(url, 'provider'));
      logger.info(
        { interface: service.interface, version: service.version, group: service.group, address: `${host}:${port}` },
        'dubbo provider registered',
      );
    }
  } catch (err) {
    await Promise.all(registrations.map((r) => r.close().catch(() => undefined)));
    throw err;
  }
  return registrations;
}
