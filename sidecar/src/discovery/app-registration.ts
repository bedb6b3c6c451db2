/**
 * The app registered by name in the registries `inbound.app.register` names (Eureka: Prana's and Spring Cloud
 * Sidecar's job), at the pod address and the app's own port: callers reach the app directly. Closed on shutdown
 * before anything drains, so callers stop picking the instance while in-flight calls finish.
 */
import type { FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Registration, Registry } from './types.js';

export interface AppRegistrations {
  readonly registrations: readonly Registration[];
  /** Deregisters everywhere (each at most `timeoutMs`), then releases the registries. */
  close(timeoutMs: number): Promise<void>;
}

/** The app's health URL (`inbound.app.health.path` on `inbound.app.url`), when one is configured. */
export function appHealthUrl(config: FerryConfig): string | undefined {
  const path = config.inbound.app.health.path;
  return path ? `${config.inbound.app.url.replace(/\/+$/, '')}${path}` : undefined;
}

function appPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

export async function registerApplication(
  config: FerryConfig,
  host: string,
  registry: (name: string) => Registry,
  logger: Logger,
): Promise<AppRegistrations> {
  const registries: Registry[] = [];
  const registrations: Registration[] = [];
  const port = appPort(config.inbound.app.url);
  const path = config.inbound.app.health.path;
  // the record's health URL is where callers' tooling looks: the pod address, not Ferry's loopback view
  const healthUrl = path ? `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}` : undefined;
  const release = async (timeoutMs: number) => {
    const bounded = (p: Promise<void>) => Promise.race([p, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    const deregister = (r: Registration) =>
      bounded(r.close()).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, registration: r.id }, 'could not deregister the app');
      });
    await Promise.all(registrations.splice(0).map(deregister));
    await Promise.allSettled(registries.splice(0).map((r) => r.close()));
  };
  try {
    for (const name of config.inbound.app.register) {
      const r = registry(name);
      registries.push(r);
      if (!r.registerApp) throw new Error(`registry "${name}" (${r.type}) does not register apps`);
      registrations.push(await r.registerApp({ name: config.application, host, port, ...(healthUrl ? { healthUrl } : {}) }));
      logger.info({ registry: name, application: config.application, address: `${host}:${port}` }, 'app registered');
    }
  } catch (err) {
    await release(1000);
    throw err;
  }
  return { registrations, close: release };
}
