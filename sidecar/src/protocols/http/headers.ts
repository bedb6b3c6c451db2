import { HOP_BY_HOP } from '../../pipeline/propagation.js';

type HeaderMap = Record<string, string | string[] | undefined>;

/**
 * Copies end-to-end headers: drops hop-by-hop ones, those named in `Connection`, and `x-ferry-*` controls
 * (unless `keepFerry`: the app's answers to inbound calls speak Ferry's contract, `x-ferry-attach-*`).
 */
export function endToEnd(headers: HeaderMap, keepHost = false, keepFerry = false): Record<string, string | string[]> {
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
    if ((HOP_BY_HOP.has(name) && !(keepHost && name === 'host')) || named?.has(name) || (!keepFerry && name.startsWith('x-ferry-')))
      continue;
    out[name] = value;
  }
  return out;
}
