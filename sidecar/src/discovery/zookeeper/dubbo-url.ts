/**
 * Dubbo registry URLs (`dubbo://host:port/path?k=v&…`, also `jsonrpc://`, `tri://`, `consumer://`) and their
 * ZooKeeper form: one znode name per URL, the whole URL encoded like Java's `URLEncoder.encode(s, "UTF-8")`.
 */

export interface DubboUrl {
  /** Scheme without `://`: dubbo, jsonrpc, tri, consumer, override, empty… */
  protocol: string;
  host: string;
  /** 0 when absent (consumer URLs). */
  port: number;
  /** Path without the leading slash (normally the interface name). */
  path: string;
  params: Record<string, string>;
  username?: string;
  password?: string;
}

/** Java `URLEncoder.encode(s, UTF-8)`: letters, digits and `.-*_` kept, space → `+`, the rest `%XX`. */
export function javaUrlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Java `URLDecoder.decode(s, UTF-8)` (`+` → space). Throws on malformed `%` escapes. */
export function javaUrlDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/**
 * Parses a Dubbo URL, encoded (a znode name: contains `%3A%2F%2F`) or not. Throws `Error` when it is not
 * `scheme://…`. Empty parameter values are kept; repeated keys: the last one wins.
 */
export function parseDubboUrl(text: string): DubboUrl {
  let s = text.trim();
  if (!s.includes('://') && /%3A%2F%2F/i.test(s)) s = javaUrlDecode(s);
  const schemeEnd = s.indexOf('://');
  if (schemeEnd <= 0) throw new Error(`not a Dubbo URL: "${text.slice(0, 200)}"`);
  const protocol = s.slice(0, schemeEnd);
  let rest = s.slice(schemeEnd + 3);
  const params: Record<string, string> = Object.create(null);
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq);
      if (!k || k === '__proto__') continue;
      params[k] = eq < 0 ? k : pair.slice(eq + 1);
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  let authority = slash >= 0 ? rest.slice(0, slash) : rest;
  let username: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const cred = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const c = cred.indexOf(':');
    username = c >= 0 ? cred.slice(0, c) : cred;
    if (c >= 0) password = cred.slice(c + 1);
  }
  let host = authority;
  let port = 0;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority) ?? /^([^:]*)(?::(\d+))?$/.exec(authority);
  if (m) {
    host = m[1]!;
    port = m[2] ? Number(m[2]) : 0;
  }
  const url: DubboUrl = { protocol, host, port, path, params };
  if (username !== undefined) url.username = username;
  if (password !== undefined) url.password = password;
  return url;
}

/** Formats a URL like Java's `toFullString()` (parameters sorted by key). */
export function formatDubboUrl(url: DubboUrl): string {
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  const cred = url.username !== undefined ? `${url.username}${url.password !== undefined ? `:${url.password}` : ''}@` : '';
  const authority = `${cred}${host}${url.port ? `:${url.port}` : ''}`;
  const keys = Object.keys(url.params).sort();
  const query = keys.map((k) => `${k}=${url.params[k]}`).join('&');
  return `${url.protocol}://${authority}/${url.path}${query ? `?${query}` : ''}`;
}

/** The znode name of a URL (as Java's ZookeeperRegistry writes it). */
export function toZkNodeName(url: DubboUrl | string): string {
  return javaUrlEncode(typeof url === 'string' ? url : formatDubboUrl(url));
}

// ------------------------------------------------------------------- ZooKeeper paths (one place for them)

/** `/dubbo/com.example.DemoService` (root defaults to `/dubbo`). */
export function servicePath(root: string, iface: string): string {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  return `${r}/${javaUrlEncode(iface)}`;
}

export type Category = 'providers' | 'consumers' | 'routers' | 'configurators';

/** `/dubbo/com.example.DemoService/providers`. */
export function categoryPath(root: string, iface: string, category: Category): string {
  return `${servicePath(root, iface)}/${category}`;
}

/** `/dubbo/com.example.DemoService/providers/dubbo%3A%2F%2F…`. */
export function urlNodePath(root: string, iface: string, category: Category, url: DubboUrl | string): string {
  return `${categoryPath(root, iface, category)}/${toZkNodeName(url)}`;
}

// ------------------------------------------------------------------- matching (UrlUtils.isMatch)

export interface ConsumerFilter {
  interface: string;
  /** `*` or exact; absent = only providers without a version (as Java). */
  version?: string;
  /** `*`, exact, or a comma list; absent = only providers without a group. */
  group?: string;
  /** Accepted schemes (e.g. `['dubbo']`); absent = any. */
  protocols?: readonly string[];
}

const empty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** Dubbo's consumer/provider match: interface, enabled, group (`*`, equal, comma list), version (`*`, equal), classifier. */
export function matchesProvider(provider: DubboUrl, filter: ConsumerFilter): boolean {
  if (filter.protocols && !filter.protocols.includes(provider.protocol)) return false;
  const iface = provider.params.interface ?? provider.path;
  if (iface !== filter.interface && iface !== '*' && filter.interface !== '*') return false;
  if (provider.params.enabled === 'false') return false;
  const category = provider.params.category;
  if (category && category !== 'providers') return false;
  const cg = empty(filter.group);
  const pg = empty(provider.params.group);
  const groupOk = cg === '*' || cg === pg || (cg !== undefined && pg !== undefined && cg.split(',').map((g) => g.trim()).includes(pg));
  const cv = empty(filter.version);
  const pv = empty(provider.params.version);
  const versionOk = cv === '*' || cv === pv;
  return groupOk && versionOk;
}
