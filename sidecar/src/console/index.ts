/**
 * The admin console: `createConsole` gives the observers to add to the chain and the admin-port plugin (pages
 * under `/console/`, the JSON API under `/admin/v1/`).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { adminAuth } from './auth.js';
import { consoleApi } from './api.js';
import { consoleStatic } from './static.js';
import { ConsoleState, type ConsoleOptions } from './state.js';

export { ConsoleState, type ConsoleOptions };

export interface AdminConsole {
  readonly state: ConsoleState;
  /** Registers the pages and the API on the admin app. */
  plugin(admin: FastifyInstance): Promise<void>;
}

/** Loopback hosts: an admin API without a token is only as open as the pod's own network namespace. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

export function createConsole(options: ConsoleOptions & { logger?: Logger }): AdminConsole {
  const { admin } = options.config;
  if (!admin.token && !LOOPBACK.test(admin.host)) {
    options.logger?.warn(
      { host: admin.host },
      'the console API (/admin/v1/…) is reachable beyond loopback without admin.token: set FERRY_ADMIN__TOKEN',
    );
  }
  const state = new ConsoleState(options);
  const api = consoleApi(state, adminAuth(options.config.admin.token));
  const pages = consoleStatic();
  return {
    state,
    async plugin(admin) {
      await admin.register(api);
      await admin.register(pages);
    },
  };
}
