/**
 * The console's JSON API on the admin port (`/admin/v1/…`), for the pages and for scripts:
 *
 *   GET  /admin/v1/graph        the service graph (nodes, edges with req/s, error %, p50/p99, health)
 *   GET  /admin/v1/events       the same graph once a second, as Server-Sent Events (`event: graph`)
 *   GET  /admin/v1/services     per service: protocol, discovery, endpoints, per-method figures; the inbound side
 *   GET  /admin/v1/registries   per registry: session state, watched and registered paths, last change
 *   GET  /admin/v1/errors       the last failed calls (code, upstream detail, trace id, Zipkin link)
 *   GET  /admin/v1/config       the effective config, secrets masked, and the last reload result
 *   POST /admin/v1/invoke       a test call: `{service, method, args}` or `{dubbo: {interface, method, …}}`
 *   POST /admin/v1/login        `{token}` → the sign-in cookie;  POST /admin/v1/logout
 *
 * With `admin.token` set, every route but login asks for the token (see auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import { HEADERS, ROUTES, invokePath } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';
import type { AdminAuth } from './auth.js';
import { parseJsonBody } from '../server/json-body.js';
import type { ConsoleState } from './state.js';

interface InvokeBody {
  service?: unknown;
  method?: unknown;
  args?: unknown;
  /** The body of `POST /v1/dubbo/invoke` (an ad-hoc call, dubbo-admin's test-call shape). */
  dubbo?: unknown;
  timeoutMs?: unknown;
}

/** Answers of a test call larger than this are cut for the page. */
const MAX_ANSWER_CHARS = 256 * 1024;

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text;
  }
}

export function consoleApi(state: ConsoleState, auth: AdminAuth) {
  const base = ROUTES.admin;
  return async function consoleApiPlugin(admin: FastifyInstance): Promise<void> {
    // JSON only when it says so (a page elsewhere cannot send application/json without a CORS preflight, which
    // Ferry never grants), with the local API's depth limit: a test call's args are re-serialized below
    admin.removeContentTypeParser('application/json');
    admin.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
      try {
        done(null, parseJsonBody(text as string, state.runtime().config.limits.jsonDepth));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    admin.addHook('onRequest', async (request) => {
      if (request.url.startsWith(`${base}/`) && !request.url.startsWith(`${base}/login`)) auth.check(request);
    });
    admin.addHook('preClose', async () => state.live.close());

    admin.post<{ Body: { token?: unknown } }>(`${base}/login`, async (request, reply) => {
      auth.signIn(request.body?.token, reply);
      return { signedIn: true, required: auth.required };
    });
    admin.post(`${base}/logout`, async (_request, reply) => {
      auth.signOut(reply);
      return { signedIn: false };
    });
    admin.get(`${base}/session`, async () => ({
      signedIn: true,
      required: auth.required,
      application: state.runtime().config.application,
    }));

    admin.get(`${base}/graph`, async () => state.graph());
    admin.get(`${base}/events`, (request, reply) => {
      reply.hijack();
      if (!state.live.add(reply.raw)) {
        const error = new FerryError('FERRY_ERR_NOT_READY', 'too many console pages open');
        reply.raw.writeHead(error.statusCode, { 'content-type': 'application/json', [HEADERS.error]: error.code });
        reply.raw.end(JSON.stringify(error.toBody()));
      }
      request.raw.socket.setTimeout(0);
    });
    admin.get(`${base}/services`, async () => state.services());
    admin.get(`${base}/registries`, async () => ({ registries: state.registries() }));
    admin.get(`${base}/errors`, async () => state.errors());
    admin.get(`${base}/config`, async () => state.configView());

    admin.post<{ Body: InvokeBody }>(`${base}/invoke`, async (request) => {
      const body = (request.body ?? {}) as InvokeBody;
      let url: string;
      let payload: unknown;
      if (body.dubbo !== undefined) {
        if (typeof body.dubbo !== 'object' || body.dubbo === null)
          throw new FerryError('FERRY_ERR_BAD_REQUEST', '"dubbo" must be the body of POST /v1/dubbo/invoke');
        url = ROUTES.dubbo;
        payload = body.dubbo;
      } else {
        if (typeof body.service !== 'string' || typeof body.method !== 'string' || !body.service || !body.method) {
          throw new FerryError('FERRY_ERR_BAD_REQUEST', 'body needs "service" and "method" strings (and "args": the JSON arguments)');
        }
        url = invokePath(body.service, body.method);
        payload = body.args ?? [];
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (state.apiToken) headers[HEADERS.apiToken] = state.apiToken;
      if (typeof body.timeoutMs === 'number' && body.timeoutMs > 0) headers[HEADERS.timeout] = String(Math.floor(body.timeoutMs));
      // the app's own route, in-process: the same chain, errors and telemetry as a call from the app
      const start = performance.now();
      const answer = await state.inject({ method: 'POST', url, headers, payload: JSON.stringify(payload) });
      const ms = Math.round((performance.now() - start) * 100) / 100;
      const ferryHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (k.startsWith('x-ferry-') && v !== undefined) ferryHeaders[k] = String(v);
      return { statusCode: answer.statusCode, ms, headers: ferryHeaders, body: parseAnswer(answer.body) };
    });
  };
}
