import { join } from '../../config/dsl.js';
import { httpEndpoint, serviceSchema, type ServiceConfig } from '../../config/service.js';
import type { Infer } from '../../config/dsl.js';

/** `protocol: http`: static endpoints (URLs) only. */
export const httpServiceSchema = serviceSchema('http', {}, (svc, path, issues) => {
  if (!svc.endpoints) issues.push({ path: join(path, 'endpoints'), message: 'required for protocol http' });
  if (svc.registry) issues.push({ path: join(path, 'registry'), message: 'protocol http takes static endpoints only' });
  svc.endpoints?.forEach((e, i) => {
    const problem = httpEndpoint(e);
    if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
  });
});

export type HttpServiceConfig = Infer<typeof httpServiceSchema> & ServiceConfig;
