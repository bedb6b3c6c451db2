import { createServer } from 'node:http';

/**
 * A stand-in Zipkin collector: accepts `POST /api/v2/spans` (JSON) and counts the spans; `GET /count`
 * answers the total. Keeps the bench free of a JVM competing for the same cores. Run as its own process.
 */
const port = Number(process.argv[2] ?? 0);
let spans = 0;
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ spans }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
      if (Array.isArray(body)) spans += body.length;
    } catch {
      // not JSON: ignored
    }
    res.writeHead(202);
    res.end();
  });
}).listen(port, '127.0.0.1');
