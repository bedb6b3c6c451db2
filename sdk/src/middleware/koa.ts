import { headerCapture, runWithHeaders, type CaptureOptions, type IncomingHeaders } from '../context.js';

/** The parts of a Koa context the middleware reads. */
export interface KoaContextLike {
  headers: IncomingHeaders;
}

/**
 * Koa middleware: every Ferry call made downstream of it carries the request's allow-listed headers.
 *
 *   import { ferryContext } from '@ferry/sdk/koa';
 *   app.use(ferryContext());
 */
export function ferryContext(options: CaptureOptions = {}) {
  const capture = headerCapture(options);
  return function ferryContextMiddleware(ctx: KoaContextLike, next: () => Promise<unknown>): Promise<unknown> {
    return runWithHeaders(capture(ctx.headers), next);
  };
}

export default ferryContext;
