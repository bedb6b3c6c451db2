import { createServer } from 'node:http';
import { Pool } from 'undici';
import { endToEnd } from './end-to-end.js';

/**
 * The Node floor under the bare proxy: node:http's server and undici, no framework, the same pass-through as
 * bare-proxy.ts. `node plain-proxy.js PORT UPSTREAM_URL`.
 */
const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const pool = new Pool(upstream, { connections: 128 });
const PREFIX = '/v1/proxy/up';
createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/readyz') return void res.end('ready');
  if (!url.startsWith(`${PREFIX}/`)) {
    res.statusCode = 404;
    return void res.end();
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? null : req;
  pool
    .request({ method: method as 'GET', path: url.slice(PREFIX.length), headers: endToEnd(req.headers), body })
    .then((answer) => {
      res.writeHead(answer.statusCode, endToEnd(answer.headers));
      answer.body.pipe(res);
    })
    .catch(() => {
      res.statusCode = 502;
      res.end();
    });
}).listen(port, '127.0.0.1');
