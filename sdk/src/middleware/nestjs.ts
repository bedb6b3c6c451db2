import { headerCapture, runWithHeaders, type CaptureOptions, type IncomingHeaders } from '../context.js';

/**
 * NestJS middleware (express or fastify platform): every Ferry call made while handling a request carries
 * its allow-listed headers.
 *
 *   import { FerryContextMiddleware } from '@ferry/sdk/nestjs';
 *   export class AppModule implements NestModule {
 *     configure(consumer: MiddlewareConsumer) { consumer.apply(FerryContextMiddleware).forRoutes('*'); }
 *   }
 *
 * With options, apply the functional form: `consumer.apply(ferryNestMiddleware({ extraHeaders: ['x-org'] }))`,
 * or `app.use(ferryNestMiddleware())` in `main.ts`.
 */
export class FerryContextMiddleware {
  readonly #capture: (headers: IncomingHeaders) => Record<string, string>;

  constructor(options: CaptureOptions = {}) {
    this.#capture = headerCapture(options);
  }

  use(req: { headers: IncomingHeaders }, _res: unknown, next: (err?: unknown) => void): void {
    runWithHeaders(this.#capture(req.headers), () => next());
  }
}

export function ferryNestMiddleware(options: CaptureOptions = {}) {
  const middleware = new FerryContextMiddleware(options);
  return (req: { headers: IncomingHeaders }, res: unknown, next: (err?: unknown) => void): void => middleware.use(req, res, next);
}
