import { join, type Infer } from '../../../src/config/dsl.js';
import { hostPort, serviceSchema, type ServiceConfig } from '../../../src/config/service.js';

export const linesServiceSchema = serviceSchema('lines', {}, (svc, path, issues) => {
  if (!svc.endpoints) issues.push({ path: join(path, 'endpoints'), message: 'required for protocol lines' });
  svc.endpoints?.forEach((e, i) => {
    const problem = hostPort(e);
    if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
  });
});

export type LinesServiceConfig = Infer<typeof linesServiceSchema> & ServiceConfig;
