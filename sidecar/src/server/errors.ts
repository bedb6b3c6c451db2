import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import { HEADERS } from '@ferry/sdk/contract';
import { FerryError, toFerryError, type ErrorCode } from '../errors.js';
import type { AppReply } from './send.js';

/** fastify's own error codes that mean the app's request was bad, in Ferry's terms. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'FERRY_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'FERRY_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'FERRY_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'FERRY_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'FERRY_ERR_BAD_REQUEST',
  FST_ERR_BAD_URL: 'FERRY_ERR_BAD_REQUEST',
  FST_ERR_VALIDATION: 'FERRY_ERR_BAD_REQUEST',
};

export function asFerryError(err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  const fst = err as FastifyError;
  const mapped = fst?.code ? FASTIFY_CODES[fst.code] : undefined;
  if (mapped) return new FerryError(mapped, fst.message);
  if (fst?.statusCode === 400 || (err as { type?: string })?.type === 'entity.parse.failed' || err instanceof SyntaxError) {
    return new FerryError('FERRY_ERR_BAD_REQUEST', (err as Error).message);
  }
  return toFerryError(err);
}

/** Every error Ferry answers: `{statusCode, code, error, message}` plus the `x-ferry-error` marker header. */
export function sendError(reply: AppReply, err: unknown): AppReply {
  const error = asFerryError(err);
  return reply
    .code(error.statusCode)
    .header(HEADERS.error, error.code)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(error.toBody()));
}

/** A failed request's log line (a bug at error, the rest at info): its error as Ferry answers it. */
export function failed(log: FastifyBaseLogger, err: unknown): FerryError {
  const error = asFerryError(err);
  if (error.statusCode >= 500 && error.code === 'FERRY_ERR_INTERNAL') log.error({ err }, 'internal error');
  else log.info({ code: error.code, msg: error.message }, 'call failed');
  return error;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = failed(request.log, err);
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return reply;
    }
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new FerryError('FERRY_ERR_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
