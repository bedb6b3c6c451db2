import type { FastifyInstance } from 'fastify';
import { FerryError } from '../errors.js';
import { JsonDepthError, parseJson } from '../protocols/hessian/json-text.js';

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
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string, maxDepth));
    } catch (err) {
      done(err as FerryError, undefined);
    }
  });
}
