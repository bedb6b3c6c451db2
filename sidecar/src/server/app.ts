import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { HEADERS, ROUTES } from '@ferry/sdk/contract';
import type { FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Runtime } from '../runtime.js';
import { FerryError, type ErrorCode } from '../errors.js';
import { installErrorHandling } from './errors.js';
import { requireApiToken } from './api-token.js';
import { isLoopbackHost, loopbackOnly } from './loopback-guard.js';
import { lazyRequestLogger } from './request-logger.js';
import { healthRoutes, type Readiness } from './health.js';
import { invokeRoute } from './invoke.js';
import { buildCall } from './call.js';
import { sendReply } from './send.js';
import { acceptJsonBodies } from './json-body.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import type { ProtocolLoader } from '../protocols/index.js';
import type { LocalRouteKit } from '../protocols/types.js';

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

/** The app's local API: one fastify instance, routes as plugins. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { config } = deps;
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
    http: { maxHeaderSize: config.limits.headerBytes },
    routerOptions: { maxParamLength: 1024 },
    schemaController: lazySchemaCompilers(),
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'HPE_HEADER_OVERFLOW')
        rawError(socket, 'FERRY_ERR_HEADERS_TOO_LARGE', `request headers exceed ${config.limits.headerBytes} bytes`);
      else if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else rawError(socket, 'FERRY_ERR_BAD_REQUEST', `malformed HTTP request: ${err.code ?? err.message}`);
    },
  });
  // A plain onRequest hook (not an async onSend): every answer, errors and 404s included, carries the id.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(HEADERS.requestId, request.id);
    if (!deps.state.shuttingDown) return done();
    reply.header('connection', 'close');
    if (request.url === ROUTES.healthz || request.url === ROUTES.readyz) return done();
    done(new FerryError('FERRY_ERR_SHUTTING_DOWN', 'Ferry is draining: call again on a new connection'));
  });
  // an answer to a call that came in before the drain began closes its connection too
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (deps.state.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  installErrorHandling(app);
  if (isLoopbackHost(config.listen.host)) {
    loopbackOnly(app, { name: 'the local API', section: 'listen', allowedHosts: config.listen.allowedHosts });
  }
  if (deps.apiToken) requireApiToken(app, deps.apiToken);
  app.register(healthRoutes(deps.state));
  app.register(invokeRoute(deps.runtime));
  const kit = routeKit(deps.runtime, deps.protocols);
  for (const protocol of deps.protocols.entries) for (const route of protocol.routes ?? []) app.register(route(kit));
  return app;
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
    call: buildCall,
    send: sendReply,
    jsonBodies: (app) => acceptJsonBodies(app, runtime().config.limits.jsonDepth),
  };
}
