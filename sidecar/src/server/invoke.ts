import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { buildCall } from './call.js';
import { sendReply } from './send.js';
import { acceptJsonBodies } from './json-body.js';

interface InvokeParams {
  service: string;
  method: string;
}

/** `POST /v1/invoke/{service}/{method}`: the JSON body is the arguments; the answer is the result as JSON. */
export function invokeRoute(runtime: () => Runtime) {
  return async function invokePlugin(app: FastifyInstance): Promise<void> {
    acceptJsonBodies(app, runtime().config.limits.jsonDepth);
    app.post<{ Params: InvokeParams; Body: unknown }>(ROUTES.invoke, async (request, reply) => {
      const { service, method } = request.params;
      const { router } = runtime();
      const route = router.get(service);
      if (!route) throw new FerryError('FERRY_ERR_SERVICE_NOT_FOUND', `no service named "${service}" in Ferry's config`);
      if (!method) throw new FerryError('FERRY_ERR_METHOD_NOT_FOUND', 'no method named');
      // no body (or `null`) is no arguments; the text of a body goes along for clients that send JSON on as it came
      const none = request.body == null;
      const call = buildCall(request, reply, route, method, none ? [] : request.body, none ? undefined : (request.jsonText ?? undefined));
      return sendReply(reply, await route.invoke(call));
    });
  };
}
