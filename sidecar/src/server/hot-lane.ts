/**
 * The hot routes (`/v1/proxy`, `/v1/invoke`), answered by the server's request listener itself, past fastify.
 *
 * Why: every call the app makes takes one of them, and fastify's own work per request costs CPU: its Request and
 * Reply objects, router, hook runner, content-type parsing and reply pipeline. A plain node:http + undici proxy reached
 * 1.35× the throughput of the same proxy on fastify (issue #15). For Ferry, answering these two routes here saved
 * 5–6 µs of CPU per call, +5–7% throughput (bench/RESULTS.md, 2026-12-04). Fastify stays the server of everything
 * else: probes, batch, ad-hoc Dubbo, 404s.
 *
 * What fastify did for these routes the lane does too, from the same parts: the request id (the app's
 * `x-request-id`, else a new one, echoed back), the request's logger and SERVER span (fastify's child-logger
 * factory, so tracing-hooks.ts starts the span as it does for fastify), the drain, loopback guard and API token
 * (the one `Admission` fastify's hook asks), `limits.bodyBytes` and `limits.jsonDepth` for JSON bodies, the error
 * table and its log lines (`failed`), and with `log.requests` the two access lines.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { HEADERS } from '@ferry/sdk/contract';
import type { FerryConfig } from '../config/schema.js';
import { FerryError } from '../errors.js';
import type { Tracing } from '../observability/tracing.js';
import type { HotRequest, HotRoute } from '../protocols/types.js';
import type { Admission } from './admission.js';
import type { Readiness } from './health.js';
import { parseJsonBody } from './json-body.js';
import { RawReply } from './raw-reply.js';
import { sendReply } from './send.js';
import { endServerSpanOnClose, inServerContext, serverSpanContext, serverSpanRecords, type ServedFacts } from './tracing-hooks.js';

export interface HotLaneDeps {
  /** Its logger (with fastify's serializers) and child-logger factory. */
  app: FastifyInstance;
  config: FerryConfig;
  state: Readiness;
  admit: Admission;
  tracing: Tracing;
  routes: readonly HotRoute[];
}

interface Target {
  route: HotRoute;
  service: string;
  method: string;
}

/** The `:service` (and `:method`) segments of a hot route's target, still encoded; undefined when it is not one. */
function targetOf(routes: readonly HotRoute[], method: string | undefined, url: string): Target | undefined {
  for (const route of routes) {
    if (!url.startsWith(route.prefix) || (route.methods && !route.methods.includes(method ?? ''))) continue;
    const start = route.prefix.length;
    let end = start;
    while (end < url.length && url[end] !== '/' && url[end] !== '?') end++;
    // as fastify's router: the service segment is followed by a `/`, whatever comes next
    if (url[end] !== '/') return undefined;
    const service = url.slice(start, end);
    if (route.shape === 'service/*') return { route, service, method: '' };
    let query = url.indexOf('?', end + 1);
    if (query < 0) query = url.length;
    const rpcMethod = url.slice(end + 1, query);
    return rpcMethod.includes('/') ? undefined : { route, service, method: rpcMethod };
  }
  return undefined;
}

function decoded(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new FerryError('FERRY_ERR_BAD_REQUEST', `bad percent-encoding in "${segment}"`);
  }
}

/** As fastify decides: GET and HEAD bodies are ignored; others have one when they say so. */
function hasBody(req: IncomingMessage): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function tooLarge(limit: number): FerryError {
  return new FerryError('FERRY_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes (limits.bodyBytes)`);
}

/** The whole body as text, at most `limit` bytes. */
function bodyText(req: IncomingMessage, limit: number): Promise<string> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
      }
    });
    req.once('end', () => resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
    req.once('error', reject);
  });
}

/** For fastify's `req` serializer, which reads these of its own Request. */
function accessLine(req: IncomingMessage): object {
  const { method, url, headers, socket } = req;
  return { req: { method, url, headers, host: headers.host, ip: socket.remoteAddress, socket } };
}

/** The server's request listener: the hot routes here, every other request on to `fastify`. */
export function hotLane(deps: HotLaneDeps, fastify: RequestListener): RequestListener {
  const { app, config, state, admit, tracing, routes } = deps;
  const childLogger = app.childLoggerFactory;
  const { bodyBytes, jsonDepth } = config.limits;
  const logRequests = config.log.requests;

  async function answer(target: Target, req: IncomingMessage, res: ServerResponse, id: string, reply: RawReply): Promise<void> {
    try {
      const { route } = target;
      const service = decoded(target.service);
      const method = decoded(target.method);
      const withBody = hasBody(req);
      let body: unknown;
      let text: string | undefined;
      if (route.body === 'json' && withBody) {
        try {
          text = await bodyText(req, bodyBytes);
          body = parseJsonBody(text, jsonDepth);
        } catch (err) {
          // as fastify: the rest of a refused body may still be on its way, so the connection ends with the answer
          reply.header('connection', 'close');
          throw err;
        }
        if (body === undefined) text = undefined;
      }
      const trace = serverSpanContext(req);
      const { headers } = req;
      const request: HotRequest = { headers, id, res, trace, raw: req, service, method, hasBody: withBody, body, bodyText: text };
      sendReply(reply, await route.handle(request));
    } catch (err) {
      reply.fail(err);
    }
  }

  function serve(target: Target, req: IncomingMessage, res: ServerResponse): void {
    const given = req.headers[HEADERS.requestId];
    const id = typeof given === 'string' && given !== '' ? given : randomUUID();
    const log: FastifyBaseLogger = childLogger.call(app, app.log, { reqId: id }, {}, req);
    const reply = new RawReply(res, req.method, log, state);
    reply.header(HEADERS.requestId, id);
    if (tracing.enabled && serverSpanRecords(req)) endServerSpanOnClose(req, res, () => facts(target, req, id, reply));
    if (logRequests) {
      const start = performance.now();
      log.info(accessLine(req), 'incoming request');
      res.once('finish', () => log.info({ res: reply, responseTime: performance.now() - start }, 'request completed'));
    }
    const refused = admit(req.url!, req.headers);
    if (refused) return reply.fail(refused);
    if (tracing.asyncContext) inServerContext(tracing, req, () => void answer(target, req, res, id, reply));
    else void answer(target, req, res, id, reply);
  }

  return function listener(req, res) {
    const target = targetOf(routes, req.method, req.url ?? '/');
    if (target) serve(target, req, res);
    else fastify(req, res);
  };
}

function facts(target: Target, req: IncomingMessage, id: string, reply: RawReply): ServedFacts {
  const { route } = target;
  let service: string | undefined;
  let rpcMethod: string | undefined;
  try {
    service = decodeURIComponent(target.service);
    if (route.shape === 'service/method') rpcMethod = decodeURIComponent(target.method);
  } catch {
    // a bad percent-encoding was answered 400; the span goes without the names
  }
  return { method: req.method ?? 'GET', route: route.pattern, service, rpcMethod, requestId: id, errorCode: reply.headers[HEADERS.error] };
}
