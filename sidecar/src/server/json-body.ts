import type { FastifyInstance } from 'fastify';
import { FerryError } from '../errors.js';
import { parseJson } from '../protocols/hessian/index.js';

/**
 * The plugin's bodies are JSON whatever the content type says (curl -d sends form encoding, fetch text/plain),
 * parsed so that big numbers keep the digits of their text (JSON.parse would round them).
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, (text as string).trim() === '' ? undefined : parseJson(text as string));
    } catch (err) {
      done(new FerryError('FERRY_ERR_BAD_REQUEST', `body is not JSON: ${(err as Error).message}`), undefined);
    }
  });
}
