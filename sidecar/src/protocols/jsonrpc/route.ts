import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../../errors.js';
import type { LocalRoute } from '../types.js';
import { checkBatchItem, JsonRpcBatch } from './codec.js';

/** The method name batch calls carry through the chain (logs, metrics, timeouts). */
export const BATCH_METHOD = '$batch';

/**
 * `POST /v1/batch/{service}`: the body is an array of `{method, params?, notification?}`; Ferry sends one
 * JSON-RPC batch upstream and answers an array in request order, each item `{result}` or `{error}` (a Ferry
 * error body with the upstream's code, message and data), `{notified: true}` for notifications. With
 * `x-ferry-oneway: true` every item goes as a notification and the app gets 202 at once.
 */
export const batchRoute: LocalRoute = (kit) =>
  async function batchPlugin(app: FastifyInstance): Promise<void> {
    kit.jsonBodies(app);
    app.post<{ Params: { service: string }; Body: unknown }>(ROUTES.batch, async (request, reply) => {
      const { service } = request.params;
      const route = kit.route(service);
      if (!route) throw new FerryError('FERRY_ERR_SERVICE_NOT_FOUND', `no service named "${service}" in Ferry's config`);
      if (route.config.protocol !== 'jsonrpc') {
        throw new FerryError(
          'FERRY_ERR_WRONG_PROTOCOL',
          `service "${service}" speaks ${route.config.protocol}; batches are for protocol jsonrpc`,
        );
      }
      const maxItems = kit.config().limits.batchItems;
      const body = request.body;
      if (!Array.isArray(body))
        throw new FerryError('FERRY_ERR_BAD_REQUEST', 'a batch is a JSON array of {method, params?, notification?}');
      if (body.length === 0) throw new FerryError('FERRY_ERR_BAD_REQUEST', 'a batch needs at least one call');
      if (body.length > maxItems)
        throw new FerryError(
          'FERRY_ERR_PAYLOAD_TOO_LARGE',
          `a batch holds at most ${maxItems} calls (limits.batchItems); got ${body.length}`,
        );
      const items = body.map((item, i) => checkBatchItem(item, i));
      const call = kit.call(request, reply, route, BATCH_METHOD, new JsonRpcBatch(items));
      return kit.send(reply, await route.invoke(call));
    });
  };
