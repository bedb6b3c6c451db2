import type { Endpoint, EndpointSource } from './types.js';

/** Parses a configured endpoint: an URL (`http://h:p/base`) or `host:port` (optionally `scheme://host:port`). */
export function parseEndpoint(raw: string, defaultPort = 80): Endpoint {
  if (/^https?:\/\//.test(raw)) {
    const url = new URL(raw);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : defaultPort));
    const address = raw.replace(/\/+$/, '');
    return { id: address, address, host: url.hostname, port, weight: 100, params: {} };
  }
  const withoutScheme = raw.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  const at = withoutScheme.lastIndexOf(':');
  const host = withoutScheme.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(withoutScheme.slice(at + 1));
  return { id: `${host}:${port}`, address: `${host}:${port}`, host, port, weight: 100, params: {} };
}

/** Endpoints listed in the config: ready at once, never change (hot reload builds a new source). */
export function createStaticSource(endpoints: readonly string[]): EndpointSource {
  const list = Object.freeze(endpoints.map((e) => parseEndpoint(e)));
  return {
    current: () => list,
    ready: () => Promise.resolve(),
    subscribe: () => () => {},
    close: () => Promise.resolve(),
  };
}
