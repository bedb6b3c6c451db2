import type { FastifyInstance } from 'fastify';
import { FerryError } from '../errors.js';
import { JsonDepthError, parseJson } from '../protocols/hessian/json-text.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body's text as it came (null without one): a client that sends JSON on can send this, not serialize it again. */
    jsonText: string | null;
  }
}

/** A JSON body as the app sent it: big numbers keep the digits of their text; too deep a nesting is the app's error. */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  try {
    return text.trim() === '' ? undefined : parseJson(text, maxDepth);
  } catch (err) {
    if (err instanceof JsonDepthError) {
      throw new FerryError('FERRY_ERR_BAD_REQUEST', `body nests arrays and objects deeper than ${maxDepth} levels (limits.jsonDepth)`);
    }
    throw new FerryError('FERRY_ERR_BAD_REQUEST', `body is not JSON: ${(err as Error).message}`);
  }
}

/**
 * The plugin's bodies are JSON whatever the content type says (curl -d sends form encoding, fetch text/plain),
 * parsed so that big numbers keep the digits of their text (JSON.parse would round them).
 */
export function acceptJsonBodies(app: FastifyInstance, maxDepth: number): void {
  app.removeAllContentTypeParsers();
  // declared, so that every request object has the field from the start (one shape)
  if (!app.hasRequestDecorator('jsonText')) app.decorateRequest('jsonText', null);
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    try {
      const body = parseJsonBody(text as string, maxDepth);
      if (body !== undefined) request.jsonText = text as string;
      done(null, body);
    } catch (err) {
      done(err as FerryError, undefined);
    }
  });
}
