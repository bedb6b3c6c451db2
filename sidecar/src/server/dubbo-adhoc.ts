import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { serviceSchema, type ServiceConfig } from '../config/schema.js';
import { validate } from '../config/dsl.js';
import { buildCall } from './call.js';
import { sendReply } from './send.js';
import { acceptJsonBodies } from './json-body.js';

interface AdhocBody {
  interface?: unknown;
  version?: unknown;
  group?: unknown;
  method?: unknown;
  parameterTypes?: unknown;
  args?: unknown;
  attachments?: unknown;
  /** A named registry (default: the only one configured). */
  registry?: unknown;
  /** Or a provider address, `host:port`, to call directly. */
  endpoint?: unknown;
  returns?: unknown;
}

/** Distinct ad-hoc targets kept at once (each holds connections and a registry watch). */
const MAX_ADHOC_TARGETS = 256;

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * `POST /v1/dubbo/invoke`: a generic Dubbo call to a service that is not in Ferry's config, in the shape of
 * dubbo-admin's test call. The target is resolved through the registry like a configured service.
 */
export function dubboAdhocRoute(runtime: () => Runtime) {
  return async function dubboAdhoc(app: FastifyInstance): Promise<void> {
    acceptJsonBodies(app);
    app.post<{ Body: AdhocBody }>(ROUTES.dubbo, async (request, reply) => {
      const body = (request.body ?? {}) as AdhocBody;
      if (!isStr(body.interface) || !isStr(body.method)) throw new FerryError('FERRY_ERR_BAD_REQUEST', 'body needs "interface" and "method" strings');
      const parameterTypes = body.parameterTypes ?? [];
      if (!Array.isArray(parameterTypes) || !parameterTypes.every(isStr)) throw new FerryError('FERRY_ERR_BAD_REQUEST', '"parameterTypes" must be a list of Java type names');
      const args = body.args ?? [];
      if (!Array.isArray(args)) throw new FerryError('FERRY_ERR_BAD_REQUEST', '"args" must be a list');
      const { router, config } = runtime();
      const registries = Object.keys(config.registries);
      let registry: string | undefined;
      let endpoints: string[] | undefined;
      if (isStr(body.endpoint)) endpoints = [body.endpoint];
      else if (isStr(body.registry)) registry = body.registry;
      else if (registries.length === 1) registry = registries[0];
      else throw new FerryError('FERRY_ERR_BAD_REQUEST', `name a "registry" (${registries.join(', ') || 'none configured'}) or an "endpoint"`);
      if (registry && !config.registries[registry]) throw new FerryError('FERRY_ERR_BAD_REQUEST', `no registry named "${registry}"`);

      const version = isStr(body.version) ? body.version : undefined;
      const group = isStr(body.group) ? body.group : undefined;
      const name = `dubbo:${body.interface}:${version ?? ''}:${group ?? ''}@${registry ?? endpoints![0]}`;
      let route = router.get(name);
      if (!route) {
        if (router.routes().length >= Object.keys(config.services).length + MAX_ADHOC_TARGETS) {
          throw new FerryError('FERRY_ERR_BAD_REQUEST', `too many distinct ad-hoc Dubbo targets (max ${MAX_ADHOC_TARGETS}); configure the service instead`);
        }
        const { value, issues } = validate(serviceSchema, {
          protocol: 'dubbo',
          interface: body.interface,
          ...(version ? { version } : {}),
          ...(group ? { group } : {}),
          ...(registry ? { registry } : { endpoints }),
        });
        if (issues.length) throw new FerryError('FERRY_ERR_BAD_REQUEST', issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; '));
        route = router.adhoc({ ...value, name } as ServiceConfig);
        await route.source.ready();
      }
      const call = buildCall(request, reply, route, body.method, args);
      if (body.attachments && typeof body.attachments === 'object') {
        for (const [k, v] of Object.entries(body.attachments)) if (typeof v === 'string') call.outgoing[k.toLowerCase()] = v;
      }
      call.signature = { parameterTypes, ...(isStr(body.returns) ? { returns: body.returns } : {}) };
      return sendReply(reply, await route.invoke(call));
    });
  };
}
