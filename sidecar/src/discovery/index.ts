/**
 * The registry of registries: `type` → plug-in. Adding a registry type is one folder under `discovery/` and one
 * line here. `Discovery` holds one handle per configured registry, for one config version.
 */
import type { FerryConfig } from '../config/schema.js';
import { union, type Node } from '../config/dsl.js';
import type { EndpointSource, Registry, RegistryContext, RegistryEntry, ServiceQuery } from './types.js';
import { createStaticSource } from './static.js';
import type { DiscoveryMode } from './mode.js';
import { zookeeper } from './zookeeper/index.js';

/** Registry type → plug-in; one line per type. The first is the default `type`. */
const REGISTRIES: readonly RegistryEntry[] = [zookeeper];

const byType = new Map<string, RegistryEntry>(REGISTRIES.map((r) => [r.type, r]));

/** `registries.<name>`: a union keyed on `type` of every registry type's schema. */
export const registrySchema: Node<{ type: string }> = union(
  'type',
  Object.fromEntries(REGISTRIES.map((r) => [r.type, r.schema])),
  REGISTRIES[0]!.type,
);

/** A handle on one configured registry; the caller owns it (closes it). */
export function createRegistry(config: FerryConfig, name: string, ctx: RegistryContext): Registry {
  const registry = config.registries[name];
  if (!registry) throw new Error(`no registry named "${name}"`);
  const plugin = byType.get(registry.type);
  if (!plugin) throw new Error(`registry type "${registry.type}" is not available in this build`);
  // the config was parsed by this plug-in's own schema (the union is keyed on `type`)
  return plugin.create(name, registry as never, ctx);
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
