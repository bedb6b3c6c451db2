/**
 * The admin console: `createConsole` gives the observers to add to the chain and the admin-port plugin (pages
 * under `/console/`, the JSON API under `/admin/v1/`).
 */
import type { FastifyInstance } from 'fastify';
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

export function createConsole(options: ConsoleOptions): AdminConsole {
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
