import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { FerryError } from '../errors.js';

/** 127.0.0.0/8, ::1, localhost and names under it (RFC 6761: they resolve to loopback only). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** The host of a `Host` header (`name`, `name:port`, `[v6]:port`). */
function hostOf(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.lastIndexOf(':');
  return colon > 0 && header.indexOf(':') === colon ? header.slice(0, colon) : header;
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}

/**
 * For a port bound to loopback: only calls addressed to loopback, and none from a web page elsewhere. A page in a
 * browser on the same machine can otherwise reach the port: by DNS rebinding (its own name resolving to 127.0.0.1,
 * so the browser lets it read the answers; the `Host` header still carries that name) or by a plain cross-site
 * POST (JSON bodies of any content type need no CORS preflight; the browser sends `Origin`). Programs (the app,
 * curl, the kubelet, `fetch` in Node) send a loopback `Host` and no `Origin`.
 */
export interface LoopbackPort {
  /** For messages: `the local API`. */
  name: string;
  section: 'listen' | 'admin';
  /** Names beyond the loopback ones that requests may be addressed to (`listen.allowedHosts`). */
  allowedHosts: readonly string[];
}

/** The guard as a check: the refusal of a request with these headers, or undefined. */
export function loopbackCheck(port: LoopbackPort): (headers: IncomingHttpHeaders) => FerryError | undefined {
  const allowed = new Set(port.allowedHosts.map((h) => h.toLowerCase()));
  return (headers) => {
    const host = headers.host;
    if (host !== undefined) {
      const name = hostOf(host).toLowerCase();
      if (!isLoopbackHost(name) && !allowed.has(name)) {
        const message =
          `${port.name} is on loopback and answers only requests addressed to it (Host: ${host}; or ${port.section}.allowedHosts)`;
        return new FerryError('FERRY_ERR_BAD_REQUEST', message);
      }
    }
    const origin = headers.origin;
    if (origin !== undefined) {
      const from = originHost(origin);
      if (from === undefined || !isLoopbackHost(from)) {
        return new FerryError('FERRY_ERR_BAD_REQUEST', `${port.name} does not answer web pages of other sites (Origin: ${origin})`);
      }
    }
    return undefined;
  };
}

export function loopbackOnly(app: FastifyInstance, port: LoopbackPort): void {
  const check = loopbackCheck(port);
  app.addHook('onRequest', (request, _reply, done) => {
    const refused = check(request.headers);
    if (refused) done(refused);
    else done();
  });
}
