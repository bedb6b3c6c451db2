import { headerCapture, runWithHeaders, type CaptureOptions, type IncomingHeaders } from '../context.js';

/** The parts of fastify the plugin uses (no dependency on fastify's types). */
interface FastifyRequestLike {
  headers: IncomingHeaders;
  [key: symbol]: unknown;
}
type HookDone = (err?: Error) => void;
type Hook = (request: FastifyRequestLike, reply: unknown, done: HookDone) => void;
interface FastifyLike {
  addHook(name: 'onRequest' | 'preHandler', hook: Hook): unknown;
}
/** A callback-style fastify plugin; typed loosely so the SDK needs no dependency on fastify's types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FastifyPluginLike = (app: any, opts: unknown, done: HookDone) => void;

const captured = Symbol('ferry.capturedHeaders');

/**
 * Fastify plugin: every Ferry call made while handling a request carries its allow-listed headers. It
 * applies to the whole instance (not encapsulated, like a `fastify-plugin` plugin). The context is entered
 * at `onRequest` and again at `preHandler`, because body parsing runs outside it.
 *
 *   import { ferryContext } from '@ferry/sdk/fastify';
 *   await app.register(ferryContext());
 */
export function ferryContext(options: CaptureOptions = {}): FastifyPluginLike {
  const capture = headerCapture(options);
  const enter: Hook = (request, _reply, done) => {
    let headers = request[captured] as Record<string, string> | undefined;
    if (!headers) request[captured] = headers = capture(request.headers);
    runWithHeaders(headers, () => done());
  };
  const plugin = function ferryContextPlugin(instance: unknown, _opts: unknown, done: HookDone): void {
    const app = instance as FastifyLike;
    app.addHook('onRequest', enter);
    app.addHook('preHandler', enter);
    done();
  };
  // What `fastify-plugin` sets: hooks reach every route of the instance that registers it.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'ferry-context' });
  return plugin;
}

export default ferryContext;
