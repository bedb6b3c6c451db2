import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../../errors.js';
import type { LocalRoute } from '../types.js';
import { validate } from '../../config/dsl.js';
import { dubboServiceSchema, type DubboServiceConfig } from './schema.js';

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
export const adhocRoute: LocalRoute = (kit) =>
  async function dubboAdhoc(app: FastifyInstance): Promise<void> {
    kit.jsonBodies(app);
    app.post<{ Body: AdhocBody }>(ROUTES.dubbo, async (request, reply) => {
      const body = (request.body ?? {}) as AdhocBody;
      if (!isStr(body.interface) || !isStr(body.method))
        throw new FerryError('FERRY_ERR_BAD_REQUEST', 'body needs "interface" and "method" strings');
      const parameterTypes = body.parameterTypes ?? [];
      if (!Array.isArray(parameterTypes) || !parameterTypes.every(isStr))
        throw new FerryError('FERRY_ERR_BAD_REQUEST', '"parameterTypes" must be a list of Java type names');
      const args = body.args ?? [];
      if (!Array.isArray(args)) throw new FerryError('FERRY_ERR_BAD_REQUEST', '"args" must be a list');
      const config = kit.config();
      const registries = Object.keys(config.registries);
      let registry: string | undefined;
      let endpoints: string[] | undefined;
      if (isStr(body.endpoint)) endpoints = [body.endpoint];
      else if (isStr(body.registry)) registry = body.registry;
      else if (registries.length === 1) registry = registries[0];
      else
        throw new FerryError('FERRY_ERR_BAD_REQUEST', `name a "registry" (${registries.join(', ') || 'none configured'}) or an "endpoint"`);
      if (registry && !config.registries[registry]) throw new FerryError('FERRY_ERR_BAD_REQUEST', `no registry named "${registry}"`);

      const version = isStr(body.version) ? body.version : undefined;
      const group = isStr(body.group) ? body.group : undefined;
      const name = `dubbo:${body.interface}:${version ?? ''}:${group ?? ''}@${registry ?? endpoints![0]}`;
      let route = kit.route(name);
      if (!route) {
        const { value, issues } = validate(dubboServiceSchema, {
          protocol: 'dubbo',
          interface: body.interface,
          ...(version ? { version } : {}),
          ...(group ? { group } : {}),
          ...(registry ? { registry } : { endpoints }),
        });
        if (issues.length) throw new FerryError('FERRY_ERR_BAD_REQUEST', issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; '));
        route = await kit.adhoc({ ...value, name } as DubboServiceConfig, MAX_ADHOC_TARGETS);
        await route.source.ready();
      }
      const call = kit.call(request, reply, route, body.method, args);
      if (body.attachments && typeof body.attachments === 'object') {
        for (const [k, v] of Object.entries(body.attachments)) if (typeof v === 'string') call.outgoing[k.toLowerCase()] = v;
      }
      call.signature = { parameterTypes, ...(isStr(body.returns) ? { returns: body.returns } : {}) };
      return kit.send(reply, await route.invoke(call));
    });
  };
