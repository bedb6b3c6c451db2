/** Module hooks (run on Node's hooks thread): every file an ES import loads is posted to the preload. */
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

export async function load(
  url: string,
  context: unknown,
  next: (url: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  const loaded = await next(url, context);
  if (url.startsWith('file:')) port?.postMessage(url);
  return loaded;
}
