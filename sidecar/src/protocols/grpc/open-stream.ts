import { AsyncResource } from 'node:async_hooks';
import type http2 from 'node:http2';

type Bind = AsyncResource['bind'];
const nodeBind: Bind = AsyncResource.prototype.bind;

/** `AsyncResource#bind` as Node writes it, less the deprecated (DEP0172) `asyncResource` accessor on what it returns. */
function bindWithoutAccessor(this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown): unknown {
  const run = this.runInAsyncScope.bind(this, fn);
  return thisArg === undefined ? function (this: unknown, ...args: unknown[]) { return run(this, ...args); } : run.bind(undefined, thisArg);
}

/**
 * `session.request(headers)` with `bindWithoutAccessor` as `AsyncResource#bind` while it runs (synchronously).
 * request() binds a function holding the new stream to an AsyncResource; Node 20 (fixed upstream by
 * nodejs/node#59195, "do not modify prototype deprecated asyncResource") wraps that function's `asyncResource` getter
 * with `deprecate()`, whose `Object.setPrototypeOf` gives each wrapper a map of its own. Maps live in old space, so
 * the getter, and through its scope the stream with its listeners and all the call hung on them, outlived every
 * scavenge until the next full GC: ~5.5 KB of each call promoted. Nothing reads the accessor (http2 only calls the
 * function).
 */
export function openStream(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
  AsyncResource.prototype.bind = bindWithoutAccessor as Bind;
  try {
    return session.request(headers);
  } finally {
    AsyncResource.prototype.bind = nodeBind;
  }
}
