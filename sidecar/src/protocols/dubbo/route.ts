import type { FastifyInstance } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../../errors.js';
import type { LocalRoute } from '../types.js';
import { validate } from '../../config/dsl.js';
import { dubboServiceSchema, type DubboServiceConfig } from './schema.js';
import { adhocPolicy } from '../../config/adhoc.js';
import { hostPort } from '../../config/service.js';
import { parseEndpoint } from '../../discovery/static.js';

interface AdhocBody {
  interface?: unknown;
  version?: unknown;
  group?: unknown;
  method?: unknown;
  parameterTypes?: unknown;
  args?: unknown;
  attachments?: unknown;
  /** A named registry (default: the only one in `adhoc.registries`). */
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
 * dubbo-admin's test call. The target is resolved through the registry like a configured service. Only targets the
 * config opens to ad-hoc calls (`adhoc`) are reached; any other is refused before anything is dialled.
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
      const allow = adhocPolicy(config.adhoc);
      let registry: string | undefined;
      let endpoints: string[] | undefined;
      let refused: string | undefined;
      if (isStr(body.endpoint)) {
        if (hostPort(body.endpoint)) {
          throw new FerryError('FERRY_ERR_BAD_REQUEST', `"endpoint": expected host:port, got "${body.endpoint}"`);
        }
        // the host and port the client will dial (the static source parses the endpoint the same way)
        const { host, port } = parseEndpoint(body.endpoint);
        endpoints = [body.endpoint];
        refused = allow({ host, port });
      } else {
        const open = config.adhoc.registries;
        registry = isStr(body.registry) ? body.registry : open.length === 1 ? open[0]! : '';
        refused = allow({ registry });
        if (!refused && !config.registries[registry]) throw new FerryError('FERRY_ERR_BAD_REQUEST', `no registry named "${registry}"`);
        if (refused && !registry && config.adhoc.enabled) {
          const names = open.join(', ') || 'none';
          throw new FerryError('FERRY_ERR_BAD_REQUEST', `name a "registry" (open to ad-hoc calls: ${names}) or an "endpoint"`);
        }
      }
      if (refused) throw new FerryError('FERRY_ERR_TARGET_NOT_ALLOWED', refused);

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
