/**
 * The admin token on the console's API. Scripts send `Authorization: Bearer <token>`; the browser signs in once
 * (`POST /admin/v1/login`) and gets an HttpOnly, SameSite=Strict cookie, which EventSource sends too. The cookie
 * holds an HMAC of the token, never the token itself. Comparisons are constant-time; the token is never logged.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FerryError } from '../errors.js';

export const SESSION_COOKIE = 'ferry_console';

export const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Equal-length digests compared in constant time, so neither the length nor a prefix of the secret leaks. */
export function same(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

export interface AdminAuth {
  /** Whether a token is configured (without one the API is open, as `/metrics` is). */
  readonly required: boolean;
  /** Throws FERRY_ERR_UNAUTHORIZED unless the request carries the token or the sign-in cookie. */
  check(request: FastifyRequest): void;
  /** Checks a token given at sign-in and sets the cookie. */
  signIn(token: unknown, reply: FastifyReply): void;
  signOut(reply: FastifyReply): void;
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function adminAuth(token: string | undefined): AdminAuth {
  if (!token) return { required: false, check() {}, signIn() {}, signOut() {} };
  const tokenDigest = digest(token);
  const session = createHmac('sha256', token).update('ferry console session v1').digest('hex');
  const sessionDigest = digest(session);
  const refuse = () => new FerryError('FERRY_ERR_UNAUTHORIZED', 'this admin API needs the admin token (Authorization: Bearer <token>)');
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=/admin/v1; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`;
  return {
    required: true,
    check(request) {
      const auth = request.headers.authorization;
      if (auth?.startsWith('Bearer ') && same(auth.slice(7).trim(), tokenDigest)) return;
      const signedIn = cookieOf(request, SESSION_COOKIE);
      if (signedIn && same(signedIn, sessionDigest)) return;
      throw refuse();
    },
    signIn(given, reply) {
      if (typeof given !== 'string' || !same(given, tokenDigest)) throw refuse();
      reply.header('set-cookie', cookie(session, 12 * 3600));
    },
    signOut(reply) {
      reply.header('set-cookie', cookie('', 0));
    },
  };
}
