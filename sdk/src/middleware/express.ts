import { headerCapture, runWithHeaders, type CaptureOptions, type IncomingHeaders } from '../context.js';

/** The parts of an express (or connect, or Node `http`) request the middleware reads. */
export interface RequestLike {
  headers: IncomingHeaders;
}

export type NextFunction = (err?: unknown) => void;

/**
 * Express/connect middleware: every Ferry call made while handling the request carries the request's
 * allow-listed headers (auth, tenant, user, request id, trace context). Register it before the routes;
 * after the body parsers is always safe (express 5's keep the context, some older parsers' callbacks lose it).
 *
 *   import { ferryContext } from '@ferry/sdk/express';
 *   app.use(express.json());
 *   app.use(ferryContext());
 */
export function ferryContext(options: CaptureOptions = {}) {
  const capture = headerCapture(options);
  return function ferryContextMiddleware(req: RequestLike, _res: unknown, next: NextFunction): void {
    runWithHeaders(capture(req.headers), () => next());
  };
}

export default ferryContext;
