/**
 * The Nacos 1.x naming open API over HTTP (`/nacos/v1/ns/instance…`), served by Nacos 1.x and 2.x, by 3.x with
 * its legacy switch on, and by r-nacos. Written on undici rather than npm `nacos`: that client's subscription
 * never reported removed instances in our trials (see the test), and it drags in urllib 2 and friends.
 *
 * Several server addresses fail over in order (the last good one first). With `username`/`password` the
 * client logs in (`/nacos/v1/auth/users/login`) and sends the `accessToken` on every call, logging in again
 * before the token's TTL ends or after a 403; a fixed `accessToken` is sent as it is.
 */
import { Agent } from 'undici';
import type { NacosBeatResult, NacosInstance, NacosInstanceSpec, NacosServiceKey, NacosTransport } from './types.js';

export interface NacosHttpOptions {
  /** `host:port`, `http://host:port` or `https://host:port/context`; the context path defaults to `/nacos`. */
  servers: readonly string[];
  username?: string;
  password?: string;
  accessToken?: string;
  /** Per request (default 5 s). */
  timeoutMs?: number;
}

export class NacosHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'NacosHttpError';
  }
}

/** Nacos' beat answer when it no longer knows the instance. */
const RESOURCE_NOT_FOUND = 20404;

function baseUrl(server: string): string {
  const withScheme = /^https?:\/\//.test(server) ? server : `http://${server}`;
  const url = new URL(withScheme);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path || '/nacos'}`;
}

type Params = Record<string, string | number | boolean | undefined>;

export function createNacosHttpTransport(opts: NacosHttpOptions): NacosTransport {
  if (opts.servers.length === 0) throw new Error('nacos: no server address');
  const bases = opts.servers.map(baseUrl);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const agent = new Agent({
    connections: 4,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  let preferred = 0;
  let token: { value: string; until: number } | undefined;
  let login: Promise<string> | undefined;

  const send = async (
    base: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Params,
  ): Promise<{ status: number; text: string }> => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, String(v));
    const url = new URL(base + path);
    const inQuery = method === 'GET' || method === 'DELETE';
    if (inQuery) url.search = form.toString();
    const res = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers: inQuery ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      body: inQuery ? null : form.toString(),
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  const accessToken = async (base: string, refresh: boolean): Promise<string | undefined> => {
    if (opts.accessToken) return opts.accessToken;
    if (opts.username === undefined) return undefined;
    if (!refresh && token && token.until > Date.now()) return token.value;
    login ??= (async () => {
      try {
        const r = await send(base, 'POST', '/v1/auth/users/login', { username: opts.username, password: opts.password ?? '' });
        if (r.status !== 200)
          throw new NacosHttpError(`nacos login as "${opts.username}" failed: ${r.status} ${r.text.slice(0, 200)}`, r.status);
        const body = JSON.parse(r.text) as { accessToken?: string; tokenTtl?: number };
        if (!body.accessToken) throw new NacosHttpError('nacos login answered no accessToken', r.status);
        // refresh at 90% of the TTL (seconds), as the Java client does with its refresh window
        token = { value: body.accessToken, until: Date.now() + (body.tokenTtl ?? 18000) * 900 };
        return body.accessToken;
      } finally {
        login = undefined;
      }
    })();
    return login;
  };

  /** Tries each server in turn from the last good one; a 403 with credentials logs in once more. */
  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Params,
    notFoundIsEmpty = false,
  ): Promise<string | undefined> => {
    let lastErr: unknown;
    for (let i = 0; i < bases.length; i++) {
      const index = (preferred + i) % bases.length;
      const base = bases[index]!;
      try {
        let r = await send(base, method, path, { ...params, accessToken: await accessToken(base, false) });
        if (r.status === 403 && opts.username !== undefined && !opts.accessToken) {
          r = await send(base, method, path, { ...params, accessToken: await accessToken(base, true) });
        }
        if (r.status >= 500) throw new NacosHttpError(`nacos ${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`, r.status);
        preferred = index;
        if (r.status === 404 && notFoundIsEmpty) return undefined;
        if (r.status !== 200)
          throw Object.assign(new NacosHttpError(`nacos ${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`, r.status), {
            final: true,
          });
        return r.text;
      } catch (err) {
        if ((err as { final?: boolean }).final) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  };

  const keyParams = (k: NacosServiceKey): Params => ({
    namespaceId: k.namespaceId || undefined,
    groupName: k.groupName,
    serviceName: `${k.groupName}@@${k.serviceName}`,
  });
  const instanceParams = (i: NacosInstanceSpec): Params => ({
    ...keyParams(i),
    ip: i.ip,
    port: i.port,
    clusterName: i.clusterName ?? 'DEFAULT',
    ephemeral: true,
  });

  return {
    async listInstances(key) {
      const text = await call('GET', '/v1/ns/instance/list', { ...keyParams(key), healthyOnly: false });
      return parseInstanceList(text!);
    },
    async listServices(namespaceId, groupName) {
      const names: string[] = [];
      // pages of 500 up to 20,000 names: a catalog read per poll, only for wildcard consumers
      for (let pageNo = 1; pageNo <= 40; pageNo++) {
        const text = await call('GET', '/v1/ns/service/list', { namespaceId: namespaceId || undefined, groupName, pageNo, pageSize: 500 });
        const body = JSON.parse(text!) as { count?: unknown; doms?: unknown };
        const page = Array.isArray(body.doms) ? body.doms.filter((d): d is string => typeof d === 'string') : [];
        names.push(...page.map((n) => (n.includes('@@') ? n.slice(n.indexOf('@@') + 2) : n)));
        if (page.length < 500 || (typeof body.count === 'number' && names.length >= body.count)) break;
      }
      return names;
    },
    async register(i) {
      await call('POST', '/v1/ns/instance', {
        ...instanceParams(i),
        weight: i.weight ?? 1,
        enabled: true,
        healthy: true,
        metadata: JSON.stringify(i.metadata),
      });
    },
    async beat(i) {
      const beat = {
        ip: i.ip,
        port: i.port,
        cluster: i.clusterName ?? 'DEFAULT',
        serviceName: `${i.groupName}@@${i.serviceName}`,
        weight: i.weight ?? 1,
        metadata: i.metadata,
        scheduled: false,
      };
      const text = await call('PUT', '/v1/ns/instance/beat', { ...instanceParams(i), beat: JSON.stringify(beat) });
      return parseBeat(text!);
    },
    async deregister(i) {
      await call('DELETE', '/v1/ns/instance', instanceParams(i));
    },
    getConfig: (namespaceId, group, dataId) => call('GET', '/v1/cs/configs', { dataId, group, tenant: namespaceId || undefined }, true),
    async publishConfig(namespaceId, group, dataId, content) {
      await call('POST', '/v1/cs/configs', { dataId, group, tenant: namespaceId || undefined, content });
    },
    close: () => agent.close(),
  };
}

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

/** Parses `{"hosts":[{ip,port,weight,healthy,enabled,ephemeral,clusterName,metadata}],…}`; malformed hosts are dropped. */
export function parseInstanceList(text: string): NacosInstance[] {
  const body = JSON.parse(text) as { hosts?: unknown };
  if (!body || typeof body !== 'object' || (body.hosts !== undefined && !Array.isArray(body.hosts)))
    throw new Error('nacos: not an instance list');
  const out: NacosInstance[] = [];
  for (const h of (body.hosts ?? []) as Array<Record<string, unknown>>) {
    if (!h || typeof h.ip !== 'string' || !h.ip || typeof h.port !== 'number' || !Number.isInteger(h.port) || h.port <= 0 || h.port > 65535)
      continue;
    const metadata: Record<string, string> = Object.create(null);
    if (h.metadata && typeof h.metadata === 'object') {
      for (const [k, v] of Object.entries(h.metadata as Record<string, unknown>))
        if (k !== '__proto__' && typeof v === 'string') metadata[k] = v;
    }
    out.push({
      ip: h.ip,
      port: h.port,
      weight: typeof h.weight === 'number' && h.weight >= 0 ? h.weight : 1,
      healthy: h.healthy !== false,
      enabled: h.enabled !== false,
      ephemeral: h.ephemeral !== false,
      clusterName: str(h.clusterName, 'DEFAULT'),
      metadata,
    });
  }
  return out;
}

/** `{"clientBeatInterval":5000,"code":10200}`; Nacos 1.x may answer a bare `ok`. */
export function parseBeat(text: string): NacosBeatResult {
  try {
    const body = JSON.parse(text) as { clientBeatInterval?: number; code?: number };
    const interval = typeof body.clientBeatInterval === 'number' && body.clientBeatInterval >= 500 ? body.clientBeatInterval : 5000;
    return { intervalMs: interval, known: body.code !== RESOURCE_NOT_FOUND };
  } catch {
    return { intervalMs: 5000, known: true };
  }
}
