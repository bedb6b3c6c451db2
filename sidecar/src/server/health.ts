import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import { sendError } from './errors.js';

export interface Readiness {
  /** Config loaded and every service's discovery answered once. */
  ready: boolean;
  shuttingDown: boolean;
}

/** `/healthz`: the process answers. `/readyz`: ready for traffic, and not draining. */
export function healthRoutes(state: Readiness) {
  return async function health(app: FastifyInstance): Promise<void> {
    app.get(ROUTES.healthz, { logLevel: 'warn' }, async () => ({ status: 'ok' }));
    app.get(ROUTES.readyz, { logLevel: 'warn' }, async (_request, reply) => {
      if (state.shuttingDown) return sendError(reply, new FerryError('FERRY_ERR_SHUTTING_DOWN'));
      if (!state.ready) return sendError(reply, new FerryError('FERRY_ERR_NOT_READY', 'waiting for discovery to answer'));
      return { status: 'ready' };
    });
  };
}
