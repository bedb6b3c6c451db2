import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The demo upstream behind the embedded config: a tiny JSON HTTP service, so the README's curl answers. */
export async function startDemoUpstream(port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: echo the text */
      }
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === '/hello') return send(200, { hello: url.searchParams.get('name') ?? 'world', from: 'ferry-demo-upstream' });
      if (url.pathname === '/echo')
        return send(200, { method: req.method, body, headers: { 'x-tenant-id': req.headers['x-tenant-id'] ?? null } });
      if (url.pathname === '/add' && Array.isArray(body)) return send(200, body.reduce((a: number, b: unknown) => a + Number(b), 0));
      return send(404, { error: `demo upstream has no ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
