import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { metrics as defaultMetrics, type FerryMetrics } from '../observability/metrics.js';

/** `GET /metrics` on the admin port: the Prometheus text exposition of Ferry's registry. */
export function metricsRoute(m: FerryMetrics = defaultMetrics) {
  return async function metricsPlugin(admin: FastifyInstance): Promise<void> {
    admin.get(ROUTES.metrics, async (_request, reply) => {
      const { contentType, body } = await m.scrape();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  };
}
