import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import type { HotRouteFactory } from '../protocols/types.js';

/** `POST /v1/invoke/{service}/{method}`: the JSON body is the arguments; the answer is the result as JSON. */
export const invokeRoute: HotRouteFactory = (kit) => ({
  prefix: '/v1/invoke/',
  pattern: ROUTES.invoke,
  shape: 'service/method',
  methods: ['POST'],
  body: 'json',
  handle(request) {
    const { service, method } = request;
    const route = kit.route(service);
    if (!route) throw new FerryError('FERRY_ERR_SERVICE_NOT_FOUND', `no service named "${service}" in Ferry's config`);
    if (!method) throw new FerryError('FERRY_ERR_METHOD_NOT_FOUND', 'no method named');
    // no body (or `null`) is no arguments; the text of a body goes along for clients that send JSON on as it came
    const none = request.body == null;
    return route.invoke(kit.call(request, route, method, none ? [] : request.body, none ? undefined : request.bodyText));
  },
});
