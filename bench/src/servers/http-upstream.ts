import { createServer } from 'node:http';

/** The baseline upstream: any GET answers 17 bytes of JSON, a POST echoes its body; keep-alive. `node http-upstream.js PORT`. */
const port = Number(process.argv[2] ?? 0);
const hello = JSON.stringify({ hello: 'world' });
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(hello) });
    res.end(hello);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
