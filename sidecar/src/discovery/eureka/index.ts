/**
 * `type: eureka`: services found by Eureka application name (`services.<name>.app`, their UP instances), and
 * the app itself registered under `application` (`inbound.app.register`). Handles of the same registry config
 * share one copy of the registry (reference-counted): one full fetch, then deltas every `refreshMs`.
 */
import type { RegistryPlugin } from '../types.js';
import { eurekaSchema, type EurekaConfig } from './schema.js';

export const eureka: RegistryPlugin<EurekaConfig> = {
  type: 'eureka',
  schema: eurekaSchema,
  finds: ['app'],
  registersApps: true,
  load: async () => (await import('./create.js')).createEurekaRegistry,
};
