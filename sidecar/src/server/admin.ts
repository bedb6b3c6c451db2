import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { healthRoutes, type Readiness } from './health.js';
import { installErrorHandling } from './errors.js';
import { loopbackOnly } from './loopback-guard.js';
import { lazySchemaCompilers } from './schema-compilers.js';

export interface AdminDeps {
  logger: Logger;
  state: Readiness;
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
  /** `admin.host` is loopback: only requests addressed to it (or `allowedHosts`), none from web pages elsewhere (loopback-guard.ts). */
  loopback?: { allowedHosts: readonly string[] };
}

/** The platform's port: health probes and metrics, never the app's calls. */
export function buildAdminApp(deps: AdminDeps): FastifyInstance {
  // Probes and scrapes are frequent: log only what goes wrong.
  const admin = Fastify({
    loggerInstance: deps.logger.child({ port: 'admin' }, { level: 'warn' }) as FastifyBaseLogger,
    schemaController: lazySchemaCompilers(),
  });
  installErrorHandling(admin);
  if (deps.loopback) loopbackOnly(admin, { name: 'the admin port', section: 'admin', allowedHosts: deps.loopback.allowedHosts });
  admin.register(healthRoutes(deps.state));
  for (const plugin of deps.plugins ?? []) admin.register(plugin);
  return admin;
}
