/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus Ferry's own. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  // Ferry answers `Expect: 100-continue` itself (node:http sends the 100) and forwards the body it then gets
  'expect',
  // the local API's token is Ferry's alone
  'ferry-api-token',
]);

type HeaderMap = Record<string, string | string[] | undefined>;

/** Copies end-to-end headers: drops hop-by-hop ones, those named in `Connection`, and `x-ferry-*` controls. */
export function endToEnd(headers: HeaderMap, keepHost = false): Record<string, string | string[]> {
  // Runs twice per pass-through call (request and answer): no set unless `Connection` names headers, no entries array.
  let named: Set<string> | undefined;
  const connection = headers.connection;
  for (const value of Array.isArray(connection) ? connection : connection ? [connection] : []) {
    for (const token of value.split(',')) (named ??= new Set()).add(token.trim().toLowerCase());
  }
  const out: Record<string, string | string[]> = {};
  for (const rawName in headers) {
    const value = headers[rawName];
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if ((HOP_BY_HOP.has(name) && !(keepHost && name === 'host')) || named?.has(name) || name.startsWith('x-ferry-')) continue;
    out[name] = value;
  }
  return out;
}
