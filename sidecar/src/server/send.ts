import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { NDJSON } from '@ferry/sdk/contract';
import type { Reply } from '../pipeline/types.js';
import { toFerryError } from '../errors.js';

/** Writes a Reply to the app: JSON value, NDJSON stream (one message a line, flushed as it comes), or raw HTTP. */
export function sendReply(reply: FastifyReply, result: Reply): FastifyReply {
  if (result.headers) {
    for (const [k, v] of Object.entries(result.headers)) reply.header(k, v);
  }
  if (result.http) {
    reply.code(result.http.statusCode);
    for (const [k, v] of Object.entries(result.http.headers)) reply.header(k, v);
    return reply.send(result.http.body);
  }
  if (result.stream) {
    reply.code(result.statusCode ?? 200).type(NDJSON);
    return reply.send(Readable.from(ndjson(result.stream), { objectMode: false }));
  }
  reply.code(result.statusCode ?? 200);
  if (result.statusCode === 202 || result.statusCode === 204) return reply.send();
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.value ?? null));
}

/** A stream that fails after it started ends with one `{"error": {...}}` line: the status is already sent. */
async function* ndjson(messages: AsyncIterable<unknown>): AsyncGenerator<string> {
  try {
    for await (const message of messages) yield `${JSON.stringify(message)}\n`;
  } catch (err) {
    yield `${JSON.stringify({ error: toFerryError(err).toBody() })}\n`;
  }
}
