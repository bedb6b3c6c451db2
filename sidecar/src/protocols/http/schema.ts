import { join } from '../../config/dsl.js';
import { httpEndpoint, serviceSchema, type ServiceConfig } from '../../config/service.js';
import type { Infer } from '../../config/dsl.js';

/** `protocol: http`: static endpoints (URLs), or the instances of an application (`app`) in a registry. */
export const httpServiceSchema = serviceSchema('http', {}, (svc, path, issues) => {
  if (!svc.endpoints && !svc.registry) {
    issues.push({ path: join(path, 'endpoints'), message: 'required for protocol http (or a registry and an app)' });
  }
  if (svc.endpoints && svc.registry) issues.push({ path: join(path, 'registry'), message: 'give endpoints or a registry, not both' });
  if (svc.registry && !svc.app) {
    issues.push({ path: join(path, 'app'), message: 'required to find an http service in a registry (its application name)' });
  }
  svc.endpoints?.forEach((e, i) => {
    const problem = httpEndpoint(e);
    if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
  });
});

export type HttpServiceConfig = Infer<typeof httpServiceSchema> & ServiceConfig;
