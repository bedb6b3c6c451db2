import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { InjectOptions, Response as InjectResponse } from 'light-my-request';
import { HEADERS } from '@ferry/sdk/contract';
import type { FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Runtime } from '../runtime.js';
import { FerryError, type ErrorCode } from '../errors.js';
import type { Tracing } from '../observability/tracing.js';
import { installErrorHandling } from './errors.js';
import { admission } from './admission.js';
import { lazyRequestLogger } from './request-logger.js';
import { healthRoutes, type Readiness } from './health.js';
import { invokeRoute } from './invoke.js';
import { buildCall, fromFastify } from './call.js';
import { sendReply } from './send.js';
import { acceptJsonBodies } from './json-body.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { hotLane } from './hot-lane.js';
import { installServerTracing } from './tracing-hooks.js';
import type { ProtocolLoader } from '../protocols/index.js';
import type { HotRouteKit, LocalRouteKit } from '../protocols/types.js';

export interface AppDeps {
  config: FerryConfig;
  logger: Logger;
  /** The current routes and chain (swapped on config reload). */
  runtime: () => Runtime;
  state: Readiness;
  /** `FERRY_API_TOKEN`: when set, the local API asks for it. */
  apiToken?: string;
  /** The build's protocols: their local routes (batch, ad-hoc Dubbo, pass-through) join the API; ad-hoc calls load theirs. */
  protocols: ProtocolLoader;
  tracing: Tracing;
}

/** A request to the local API made in-process (the console's test calls): through the hot lane and fastify alike. */
export type LocalInject = (options: InjectOptions) => Promise<InjectResponse>;

export interface LocalApi {
  /** Owns the server and serves every route but the hot ones. */
  app: FastifyInstance;
  inject: LocalInject;
}

/** The local API's server, made as fastify makes its own (its keep-alive default), for the hot lane to listen first. */
function localServer(config: FerryConfig, listener: RequestListener): Server {
  const server = createServer({ maxHeaderSize: config.limits.headerBytes }, listener);
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  return server;
}

/** A malformed request that never reached fastify still gets a Ferry error body (431, 400). */
function rawError(socket: Socket, code: ErrorCode, message: string): void {
  const error = new FerryError(code, message);
  const body = JSON.stringify(error.toBody());
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `${HEADERS.error}: ${error.code}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } else socket.destroy();
}

/** The app's local API: the hot lane (hot-lane.ts) for the routes every call takes, fastify with plugins for the rest. */
export function buildApp(deps: AppDeps): LocalApi {
  const { config } = deps;
  let fastifyHandler: RequestListener | undefined;
  let listener: RequestListener = (req, res) => fastifyHandler!(req, res);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Access logs cost two log lines per call on the hot path: opt-in (`log.requests`); failures are always logged.
    logController: new LogController({ disableRequestLogging: !config.log.requests }),
    bodyLimit: config.limits.bodyBytes,
    requestIdHeader: HEADERS.requestId,
    genReqId: () => randomUUID(),
    childLoggerFactory: lazyRequestLogger,
    // draining is answered by Ferry itself (marked FERRY_ERR_SHUTTING_DOWN, Connection: close), not fastify's bare 503
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    serverFactory(handler) {
      fastifyHandler = handler as RequestListener;
      return localServer(config, (req, res) => listener(req, res));
    },
    routerOptions: { maxParamLength: 1024 },
    schemaController: lazySchemaCompilers(),
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'HPE_HEADER_OVERFLOW')
        rawError(socket, 'FERRY_ERR_HEADERS_TOO_LARGE', `request headers exceed ${config.limits.headerBytes} bytes`);
      else if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else rawError(socket, 'FERRY_ERR_BAD_REQUEST', `malformed HTTP request: ${err.code ?? err.message}`);
    },
  });
  installServerTracing(app, deps.tracing);
  const admit = admission(config, deps.state, deps.apiToken);
  // A plain onRequest hook (not an async onSend): every answer, errors and 404s included, carries the id.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(HEADERS.requestId, request.id);
    if (deps.state.shuttingDown) reply.header('connection', 'close');
    const refused = admit(request.url, request.headers);
    if (refused) done(refused);
    else done();
  });
  // an answer to a call that came in before the drain began closes its connection too
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (deps.state.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  installErrorHandling(app);
  app.register(healthRoutes(deps.state));
  const kit = routeKit(deps.runtime, deps.protocols);
  for (const protocol of deps.protocols.entries) for (const route of protocol.routes ?? []) app.register(route(kit));
  const hotKit: HotRouteKit = { config: kit.config, route: kit.route, call: buildCall };
  const hotRoutes = [invokeRoute, ...[...deps.protocols.entries].flatMap((p) => p.hotRoutes ?? [])].map((route) => route(hotKit));
  listener = hotLane({ app, config, state: deps.state, admit, tracing: deps.tracing, routes: hotRoutes }, fastifyHandler!);
  return {
    app,
    async inject(options) {
      await app.ready();
      // loaded on the first test call, as fastify's own inject loads it
      const { default: inject } = await import('light-my-request');
      return inject(listener, options);
    },
  };
}

/** What protocol routes reach of the server: the current routes, calls built and replies sent as invoke does. */
function routeKit(runtime: AppDeps['runtime'], protocols: ProtocolLoader): LocalRouteKit {
  return {
    config: () => runtime().config,
    route: (name) => runtime().router.get(name),
    async adhoc(service, max) {
      // an ad-hoc call may be the first of its protocol (no configured service uses it): its code loads now, once
      await protocols.load([service.protocol]);
      try {
        return runtime().router.adhoc(service, max);
      } catch (err) {
        if (err instanceof RangeError)
          throw new FerryError(
            'FERRY_ERR_BAD_REQUEST',
            `too many distinct ad-hoc ${service.protocol} targets (max ${max}); configure the service instead`,
          );
        throw err;
      }
    },
    call: (request, reply, route, method, args) => buildCall(fromFastify(request, reply), route, method, args),
    send: (reply, result) => {
      sendReply(reply, result);
      return reply;
    },
    jsonBodies: (app) => acceptJsonBodies(app, runtime().config.limits.jsonDepth),
  };
}
