import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The headers of the app's current incoming request that should travel with every Ferry call made while
 * handling it (filled by the framework middleware).
 */
const storage = new AsyncLocalStorage<Readonly<Record<string, string>>>();

export function runWithHeaders<T>(headers: Record<string, string>, fn: () => T): T {
  return storage.run(Object.freeze({ ...headers }), fn);
}

export function currentHeaders(): Readonly<Record<string, string>> {
  return storage.getStore() ?? {};
}
