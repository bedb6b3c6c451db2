import type { Readable } from 'node:stream';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { endToEnd } from './end-to-end.js';

/** The bar for Ferry's hop: the smallest fastify + undici pass-through. `node bare-proxy.js PORT UPSTREAM_URL`. */
const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const pool = new Pool(upstream, { connections: 128 });
const app = Fastify();
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, body, done) => done(null, body));
app.all('/v1/proxy/up/*', async (request, reply) => {
  const body = request.body as Readable | undefined;
  const res = await pool.request({
    method: request.method as 'GET',
    path: request.url.slice('/v1/proxy/up'.length),
    headers: endToEnd(request.headers),
    body,
  });
  return reply.code(res.statusCode).headers(endToEnd(res.headers)).send(res.body);
});
app.get('/readyz', async () => 'ready');
await app.listen({ port, host: '127.0.0.1' });
