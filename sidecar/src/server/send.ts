import { Readable } from 'node:stream';
import { NDJSON } from '@ferry/sdk/contract';
import type { Reply } from '../pipeline/types.js';
import { toFerryError } from '../errors.js';

/** What Ferry's answers are written through: fastify's reply, or the hot lane's (raw-reply.ts) with the same semantics. */
export interface AppReply {
  code(statusCode: number): AppReply;
  header(name: string, value: string | number | string[]): AppReply;
  type(contentType: string): AppReply;
  send(payload?: string | Buffer | Readable): AppReply;
}

/** Writes a Reply to the app: JSON value, NDJSON stream (one message a line, flushed as it comes), raw HTTP, or 202. */
export function sendReply(reply: AppReply, result: Reply): AppReply {
  switch (result.kind) {
    case 'accepted':
      return reply.code(202).send();
    case 'http':
      reply.code(result.statusCode);
      for (const k in result.headers) reply.header(k, result.headers[k]);
      return reply.send(result.body);
    case 'stream':
      for (const k in result.headers) reply.header(k, result.headers[k]);
      reply.code(200).type(NDJSON);
      return reply.send(Readable.from(ndjson(result.stream), { objectMode: false }));
    case 'value':
      for (const k in result.headers) reply.header(k, result.headers[k]);
      return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(result.value ?? null));
  }
}

/** A stream that fails after it started ends with one `{"error": {...}}` line: the status is already sent. */
async function* ndjson(messages: AsyncIterable<unknown>): AsyncGenerator<string> {
  try {
    for await (const message of messages) yield `${JSON.stringify(message)}\n`;
  } catch (err) {
    yield `${JSON.stringify({ error: toFerryError(err).toBody() })}\n`;
  }
}
