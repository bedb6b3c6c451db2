/**
 * Registrations that follow the app's health, whatever the registry: while the app is unhealthy its records
 * are shown as unhealthy (registrations with `setHealthy`: Eureka's `DOWN`) or removed (the others: ZooKeeper
 * provider nodes), and shown healthy or made again when it recovers. An app unhealthy at the first verdict is
 * registered once it recovers. Consumer records are left alone (calls out do not depend on the app's health).
 */
import type { Logger } from '../observability/logger.js';
import type { Registration, Registry } from './types.js';

/** What registrations follow (an `AppHealth`). */
export interface HealthSignal {
  /** The first verdict. */
  verdict(): Promise<boolean>;
  /** Every verdict change, and the current one at once. */
  subscribe(listener: (healthy: boolean) => void): () => void;
}

class FollowedRegistration implements Registration {
  readonly #what: string;
  readonly #register: () => Promise<Registration>;
  readonly #logger: Logger;
  #current: Registration | undefined;
  /** The verdict last applied to the registry. */
  #applied: boolean | undefined;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(what: string, register: () => Promise<Registration>, logger: Logger) {
    this.#what = what;
    this.#register = register;
    this.#logger = logger;
  }

  get id(): string {
    return this.#current?.id ?? `${this.#what} (not registered while the app is unhealthy)`;
  }

  /** Registers when the first verdict is healthy (failures then are the caller's), then follows. */
  async start(health: HealthSignal): Promise<this> {
    this.#applied = await health.verdict();
    if (this.#applied) this.#current = await this.#register();
    else this.#logger.warn({ registration: this.#what }, 'app unhealthy: not registered until it recovers');
    this.#unsubscribe = health.subscribe((healthy) => {
      this.#queue = this.#queue.then(() => this.#follow(healthy));
    });
    return this;
  }

  async #follow(healthy: boolean): Promise<void> {
    if (this.#closed || healthy === this.#applied) return;
    this.#applied = healthy;
    const current = this.#current;
    try {
      if (current?.setHealthy) await current.setHealthy(healthy);
      else if (!healthy && current) {
        this.#current = undefined;
        await current.close();
      } else if (healthy && !current) this.#current = await this.#register();
      this.#logger.info({ registration: this.id, healthy }, healthy ? 'app healthy: registered again' : 'app unhealthy: unregistered');
    } catch (err) {
      const detail = { err: (err as Error).message, registration: this.#what, healthy };
      this.#logger.warn(detail, 'could not follow the app health in the registry');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    await this.#queue;
    const current = this.#current;
    this.#current = undefined;
    await current?.close();
  }
}

/** A registration made by `register` that follows `health` from now on. */
export function followHealth(
  what: string,
  register: () => Promise<Registration>,
  health: HealthSignal,
  logger: Logger,
): Promise<Registration> {
  return new FollowedRegistration(what, register, logger).start(health);
}

/**
 * The registry with its provider registrations (interface and application level) and app registrations
 * following `health`. A Proxy rather than a copy of the
 * methods: whatever else a registry type offers passes through unchanged (called on the registry itself, so
 * class-based registries keep their private fields).
 */
export function followingHealth(registry: Registry, health: HealthSignal, logger: Logger): Registry {
  const register: Registry['register'] = (instance, role) => {
    if (role !== 'provider') return registry.register(instance, role);
    const what = `${registry.name}:${instance.scheme}://${instance.host}:${instance.port}/${instance.interface}`;
    return followHealth(what, () => registry.register(instance, role), health, logger);
  };
  const registerApp: Registry['registerApp'] = registry.registerApp
    ? (app) => followHealth(`${registry.name}:${app.name}@${app.host}:${app.port}`, () => registry.registerApp!(app), health, logger)
    : undefined;
  // Ferry as an application-level Dubbo provider (the instance record) is a provider registration too
  const registerApplication: Registry['registerApplication'] = registry.registerApplication
    ? (instance) => {
        const what = `${registry.name}:${instance.application}@${instance.host}:${instance.port}`;
        return followHealth(what, () => registry.registerApplication!(instance), health, logger);
      }
    : undefined;
  return new Proxy(registry, {
    get(target, prop) {
      if (prop === 'register') return register;
      if (prop === 'registerApp') return registerApp;
      if (prop === 'registerApplication') return registerApplication;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
