/**
 * The registry of registries: `type` → plug-in. Adding a registry type is one folder under `discovery/` and one
 * line here. A plug-in holds its type, schema and what it finds; its client is imported by `loadRegistries`, for
 * the types a config declares only. `Discovery` holds one handle per configured registry, for one config version.
 */
import type { FerryConfig } from '../config/schema.js';
import { join, union, type Issue, type Node } from '../config/dsl.js';
import type { EndpointSource, Registry, RegistryContext, RegistryEntry, ServiceQuery } from './types.js';
import { createStaticSource } from './static.js';
import type { DiscoveryMode } from './mode.js';
import { zookeeper } from './zookeeper/index.js';
import { eureka } from './eureka/index.js';
import { nacos } from './nacos/index.js';

/** Registry type → plug-in; one line per type. The first is the default `type`. */
const REGISTRIES: readonly RegistryEntry[] = [zookeeper, eureka, nacos];

const byType = new Map<string, RegistryEntry>(REGISTRIES.map((r) => [r.type, r]));

/** The factories of the registry types loaded so far (a type's code is never unloaded). */
const factories = new Map<string, Awaited<ReturnType<RegistryEntry['load']>>>();

/** `registries.<name>`: a union keyed on `type` of every registry type's schema. */
export const registrySchema: Node<{ type: string }> = union(
  'type',
  Object.fromEntries(REGISTRIES.map((r) => [r.type, r.schema])),
  REGISTRIES[0]!.type,
);

/** Protocols whose services a registry can find by application name (`app`): their endpoints are HTTP URLs. */
const APP_PROTOCOLS = new Set(['http', 'jsonrpc']);

/**
 * What the registries' plug-ins say about their use: a service's `app` or interface must be something its
 * registry finds services by; `inbound.app.register` must name registries that register apps.
 */
export function checkRegistryUse(config: FerryConfig, issues: Issue[]): void {
  const pluginOf = (name: string) => byType.get(config.registries[name]?.type ?? '');
  for (const [name, svc] of Object.entries(config.services)) {
    const path = join(`services.${name}`, 'app');
    if (svc.app && !APP_PROTOCOLS.has(svc.protocol)) {
      issues.push({ path, message: `protocol ${svc.protocol} is found by interface; app is for http and jsonrpc services` });
    }
    const plugin = svc.registry ? pluginOf(svc.registry) : undefined;
    if (!plugin) continue;
    const finds = plugin.finds ?? ['interface'];
    const which = `registry "${svc.registry}" (${plugin.type})`;
    if (svc.app && !finds.includes('app')) issues.push({ path, message: `${which} finds services by interface, not by app` });
    if (!svc.app && !finds.includes('interface')) issues.push({ path, message: `required: ${which} finds services by application name` });
  }
  config.inbound.app.register.forEach((name, i) => {
    const path = join('inbound.app.register', i);
    const registry = config.registries[name];
    if (!registry) {
      issues.push({ path, message: `no registry named "${name}" (known: ${Object.keys(config.registries).join(', ') || 'none'})` });
    } else if (!pluginOf(name)?.registersApps) {
      const message = `registry "${name}" (${registry.type}) does not register apps (only Dubbo providers: inbound.dubbo.registry)`;
      issues.push({ path, message });
    }
  });
}

/**
 * Imports the clients of the registry types the config declares (`registries.<name>.type`), before anything
 * creates a handle: `createRegistry` is synchronous, as building a config's routes is.
 */
export async function loadRegistries(config: FerryConfig): Promise<void> {
  const types = new Set(Object.values(config.registries).map((r) => r.type));
  await Promise.all(
    [...types].map(async (type) => {
      const plugin = byType.get(type);
      if (plugin && !factories.has(type)) factories.set(type, await plugin.load());
    }),
  );
}

/** A handle on one configured registry (its type loaded by `loadRegistries`); the caller owns it (closes it). */
export function createRegistry(config: FerryConfig, name: string, ctx: RegistryContext): Registry {
  const registry = config.registries[name];
  if (!registry) throw new Error(`no registry named "${name}"`);
  if (!byType.has(registry.type)) throw new Error(`registry type "${registry.type}" is not available in this build`);
  const create = factories.get(registry.type);
  if (!create) throw new Error(`registry type "${registry.type}" is not loaded (loadRegistries first)`);
  // the config was parsed by this plug-in's own schema (the union is keyed on `type`)
  return create(name, registry as never, ctx);
}

interface SourceService {
  endpoints?: readonly string[] | undefined;
  registry?: string | undefined;
  discovery?: DiscoveryMode | undefined;
  providedBy?: readonly string[] | undefined;
  name: string;
}

/** Where one config version's services find their endpoints: static lists, or a registry's watch. */
export class Discovery {
  readonly #config: FerryConfig;
  readonly #ctx: RegistryContext;
  readonly #registries = new Map<string, Registry>();

  constructor(config: FerryConfig, ctx: RegistryContext) {
    this.#config = config;
    this.#ctx = ctx;
  }

  /** The handle of a configured registry (one per name, closed with this Discovery). */
  registry(name: string): Registry {
    let registry = this.#registries.get(name);
    if (!registry) this.#registries.set(name, (registry = createRegistry(this.#config, name, this.#ctx)));
    return registry;
  }

  registries(): Registry[] {
    return [...this.#registries.values()];
  }

  /** Static endpoints when given, else the providers the service's registry knows. */
  source(service: SourceService, query: () => ServiceQuery): EndpointSource {
    if (service.endpoints) return createStaticSource(service.endpoints);
    if (!service.registry) throw new Error(`services.${service.name}: needs endpoints or a registry`);
    return this.registry(service.registry).watch({
      ...query(),
      ...(service.discovery ? { discovery: service.discovery } : {}),
      ...(service.providedBy ? { providedBy: service.providedBy } : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#registries.values()].map((r) => r.close()));
    this.#registries.clear();
  }
}
