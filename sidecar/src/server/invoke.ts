import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import { parseJson } from '../protocols/hessian/index.js';
import type { Runtime } from '../runtime.js';
import { buildCall } from './call.js';
import { sendReply } from './send.js';

interface InvokeParams {
  service: string;
  method: string;
}

/** `POST /v1/invoke/{service}/{method}`: the JSON body is the arguments; the answer is the result as JSON. */
export function invokeRoute(runtime: () => Runtime) {
  return async function invokePlugin(app: FastifyInstance): Promise<void> {
    // Arguments are JSON whatever the content type says (curl -d sends form encoding, fetch text/plain).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => {
      try {
        done(null, (text as string).trim() === '' ? undefined : parseJson(text as string));
      } catch (err) {
        done(new FerryError('FERRY_ERR_BAD_REQUEST', `body is not JSON: ${(err as Error).message}`), undefined);
      }
    });
    app.post<{ Params: InvokeParams; Body: unknown }>(ROUTES.invoke, async (request, reply) => {
      const { service, method } = request.params;
      const { router } = runtime();
      const route = router.get(service);
      if (!route) throw new FerryError('FERRY_ERR_SERVICE_NOT_FOUND', `no service named "${service}" in Ferry's config`);
      if (!method) throw new FerryError('FERRY_ERR_METHOD_NOT_FOUND', 'no method named');
      const call = buildCall(request, reply, route, method, request.body ?? []);
      return sendReply(reply, await route.invoke(call));
    });
  };
}
