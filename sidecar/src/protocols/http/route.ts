import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { ROUTES } from '@ferry/sdk/contract';
import { FerryError } from '../../errors.js';
import type { HotRouteFactory } from '../types.js';
import { endToEnd } from './headers.js';

/**
 * The part of the raw request target after `/v1/proxy/{service}`, kept encoded as the app sent it.
 * Dot segments (also percent-encoded) and backslashes are refused, so a call never leaves the service's base path.
 */
export function upstreamPath(rawUrl: string, service: string): string {
  let end = PROXY_PREFIX.length;
  while (end < rawUrl.length && rawUrl[end] !== '/' && rawUrl[end] !== '?') end++;
  let rest = rawUrl.slice(end);
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  const [pathname = '/', query] = splitOnce(rest, '?');
  // Without '%', '.' or a backslash no segment can decode to a dot segment or hold one: most paths skip the checks.
  if (/[%.\\]/.test(pathname)) checkSegments(pathname, service);
  if (pathname.startsWith('//')) throw new FerryError('FERRY_ERR_BAD_REQUEST', 'path may not start with //');
  return query === undefined ? pathname : `${pathname}?${query}`;
}

const PROXY_PREFIX = '/v1/proxy/';

function checkSegments(pathname: string, service: string): void {
  for (const segment of pathname.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new FerryError('FERRY_ERR_BAD_REQUEST', `bad percent-encoding in path segment "${segment}"`);
    }
    if (decoded === '..' || decoded === '.' || decoded.includes('\\') || /\.\.[/\\]|[/\\]\.\./.test(decoded)) {
      throw new FerryError('FERRY_ERR_BAD_REQUEST', `path for service "${service}" may not contain dot segments`);
    }
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Counts bytes as they stream and fails the body past the limit. */
function limitBody(body: Readable, limit: number): Readable {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new FerryError('FERRY_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`));
      else done(null, chunk);
    },
  });
  body.on('error', (err) => guard.destroy(err));
  return body.pipe(guard);
}

/**
 * A body that came whole with the request (the usual small one: in the same socket read as the headers) is passed on
 * as one buffer, as small answers are (answer.ts): no stream pipeline per call, and it can be sent again (retry.ts).
 * Any other streams as it arrives, bounded. The handler runs as soon as the headers are parsed, and clients
 * write a body after its headers (undici: a second socket read here): the body's bytes already at the socket are
 * read in the same turn of the event loop, so the handler looks again after that turn (`setImmediate`).
 */
async function bodyOf(raw: Readable, limit: number): Promise<Readable | Buffer> {
  const incoming = raw as Partial<IncomingMessage>;
  if (incoming.complete !== true) await new Promise((resolve) => setImmediate(resolve));
  if (incoming.complete === true && raw.readableLength <= limit) return (raw.read() as Buffer | null) ?? EMPTY;
  return limitBody(raw, limit);
}

const EMPTY = Buffer.alloc(0);

/** `ANY /v1/proxy/{service}/{path}`: HTTP pass-through to a `protocol: http` service, bodies streamed both ways. */
export const proxyRoute: HotRouteFactory = (kit) => ({
  prefix: PROXY_PREFIX,
  pattern: ROUTES.proxy,
  shape: 'service/*',
  // The body is not parsed here: it goes upstream as it came (bodyOf).
  body: 'raw',
  async handle(request) {
    const { service, raw } = request;
    const route = kit.route(service);
    if (!route) throw new FerryError('FERRY_ERR_SERVICE_NOT_FOUND', `no service named "${service}" in Ferry's config`);
    if (route.config.protocol !== 'http')
      throw new FerryError('FERRY_ERR_WRONG_PROTOCOL', `service "${service}" is ${route.config.protocol}; use ${ROUTES.invoke}`);
    const limitBytes = kit.config().limits.proxyBodyBytes;
    const path = upstreamPath(raw.url ?? '/', service);
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > limitBytes)
      throw new FerryError('FERRY_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
    const method = raw.method ?? 'GET';
    const call = kit.call(request, route, method, undefined);
    call.http = {
      method,
      path,
      headers: endToEnd(request.headers),
      ...(request.hasBody ? { body: await bodyOf(raw, limitBytes) } : {}),
    };
    return route.invoke(call);
  },
});
