import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { metrics as defaultMetrics, type FerryMetrics } from '../observability/metrics.js';
import type { AdminAuth } from '../console/auth.js';

/**
 * `GET /metrics` on the admin port: the Prometheus text exposition of Ferry's registry. Open unless `auth` is given
 * (`admin.protectMetrics`): then scrapes send the admin token as `Authorization: Bearer` (Prometheus' `authorization`).
 */
export function metricsRoute(m: FerryMetrics = defaultMetrics, auth?: AdminAuth) {
  return async function metricsPlugin(admin: FastifyInstance): Promise<void> {
    admin.get(ROUTES.metrics, async (request, reply) => {
      auth?.check(request);
      const { contentType, body } = await m.scrape();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  };
}
