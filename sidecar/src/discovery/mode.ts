/**
 * Dubbo 3's two discovery models, as options every registry type offers the same way:
 *
 * - consumer side, `discovery` (per registry, and per service: the service's wins):
 *   `interface` = the interface-level records only (Dubbo 2 style, `FORCE_INTERFACE`);
 *   `instance` = application-level only (interface → apps mapping, app instances, MetadataInfo by revision;
 *   `FORCE_APPLICATION`);
 *   `auto` = both, merged into one endpoint per provider (Dubbo's `APPLICATION_FIRST`).
 * - provider side, `registerMode` (Ferry as a Dubbo provider): `interface`, `instance` or `all` (Dubbo 3's
 *   `dubbo.application.register-mode`).
 */
import { dflt, oneOf } from '../config/dsl.js';

export const DISCOVERY_MODES = ['interface', 'instance', 'auto'] as const;
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

export const REGISTER_MODES = ['interface', 'instance', 'all'] as const;
export type RegisterMode = (typeof REGISTER_MODES)[number];

/** A registry's `discovery` field: spread into a registry type's schema (`...discoveryFields`). */
export const discoveryFields = {
  /** `interface`, `instance` or `auto` (both, one endpoint per provider); a service's own `discovery` wins. */
  discovery: dflt(oneOf(DISCOVERY_MODES), 'auto'),
};

/** The mode a service's watch uses: its own setting, else its registry's, else `auto`. */
export function discoveryModeOf(service: DiscoveryMode | undefined, registry: DiscoveryMode | undefined): DiscoveryMode {
  return service ?? registry ?? 'auto';
}

/** Whether a provider registering with `mode` writes interface-level and application-level records. */
export function registersAt(mode: RegisterMode): { interface: boolean; instance: boolean } {
  return { interface: mode !== 'instance', instance: mode !== 'interface' };
}
