/**
 * The console's pages: the files `npm run build` bundled into `dist/console/` (no CDN, no build server: it works
 * air-gapped). Read on first request and kept; nothing is loaded while nobody opens the console.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../errors.js';

/** `sidecar/dist/src/console/static.js` → `sidecar/dist/console/`. */
export const ASSETS_DIR = new URL('../../console/', import.meta.url);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  map: 'application/json',
};

/** The page talks to its own origin only; inline style attributes are the graph's positions and colours. */
const CSP = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export function consoleStatic(dir: URL = ASSETS_DIR) {
  const cache = new Map<string, Promise<Asset | undefined>>();
  const load = (name: string): Promise<Asset | undefined> => {
    let asset = cache.get(name);
    if (!asset) {
      asset = readFile(new URL(name, dir)).then(
        (body) => ({
          body,
          type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream',
          etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
        }),
        () => undefined,
      );
      cache.set(name, asset);
      void asset.then((a) => a ?? cache.delete(name));
    }
    return asset;
  };
  const send = async (name: string, ifNoneMatch: string | undefined, reply: FastifyReply) => {
    const asset = await load(name);
    if (!asset) {
      if (name === 'index.html') throw new FerryError('FERRY_ERR_NOT_READY', 'the console is not built: run `npm run build`');
      throw new FerryError('FERRY_ERR_ROUTE_NOT_FOUND', `no console file ${name}`);
    }
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('etag', asset.etag)
      .header('cache-control', 'no-cache');
    if (ifNoneMatch === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };
  return async function consolePages(admin: FastifyInstance): Promise<void> {
    admin.get('/', async (_request, reply) => reply.redirect(ROUTES.console));
    admin.get(ROUTES.console.replace(/\/$/, ''), async (_request, reply) => reply.redirect(ROUTES.console));
    admin.get(ROUTES.console, async (request, reply) => send('index.html', request.headers['if-none-match'], reply));
    admin.get<{ Params: { file: string } }>(`${ROUTES.console}:file`, async (request, reply) => {
      const { file } = request.params;
      if (!/^[\w.-]+\.(html|js|css|svg|png|map)$/.test(file) || file.startsWith('.'))
        throw new FerryError('FERRY_ERR_ROUTE_NOT_FOUND', `no console file ${file}`);
      return send(file, request.headers['if-none-match'], reply);
    });
  };
}
