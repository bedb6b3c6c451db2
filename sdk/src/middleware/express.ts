import { headerCapture, runWithHeaders, type CaptureOptions, type IncomingHeaders } from '../context.js';

/** The parts of an express (or connect, or Node `http`) request the middleware reads. */
export interface RequestLike {
  headers: IncomingHeaders;
}

export type NextFunction = (err?: unknown) => void;

/**
 * Express/connect middleware: every Ferry call made while handling the request carries the request's
 * allow-listed headers (auth, tenant, user, request id, trace context). Register it after body parsers
 * (`app.use(express.json())` first), since a parser's callbacks leave the request's async context.
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
