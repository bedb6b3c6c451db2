/** The reference proxies' header filter: a pass-through drops hop-by-hop headers (and the client's Host). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

export const endToEnd = (h: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !HOP_BY_HOP.has(k))) as Record<string, string>;
