import { dflt, join, list, num, obj, oneOf, opt, str, type Infer } from '../../config/dsl.js';
import { DEFAULT_GROUP } from './types.js';
import { discoveryFields } from '../mode.js';

const server = () =>
  str((v) =>
    /^(https?:\/\/)?[\w.-]+:\d{1,5}(\/[\w./-]*)?$/.test(v.trim()) ? undefined : 'expected host:port or http(s)://host:port[/context]',
  );

/** `registries.<name>` with `type: nacos`: a Nacos server (or cluster) spoken to over the v1 HTTP open API. */
export const nacosSchema = obj(
  {
    type: oneOf(['nacos'] as const),
    /** `host:port` list (comma-separated or a list), tried in order; the context path defaults to `/nacos`. */
    address: list(server(), { min: 1 }),
    /** Namespace id; empty is Nacos' `public`. */
    namespace: dflt(str(), ''),
    /** The Nacos group services are read from and registered in (Dubbo's default is DEFAULT_GROUP). */
    group: dflt(
      str((v) => (v.length > 0 && !v.includes('@@') ? undefined : 'a non-empty group name without "@@"')),
      DEFAULT_GROUP,
    ),
    /** Open-API auth: a login (the token is refreshed before it expires) or a fixed access token. */
    username: opt(str()),
    password: opt(str()),
    accessToken: opt(str()),
    /**
     * How often watched services are re-read. A removed instance is gone from Ferry's list within
     * `pollIntervalMs + requestTimeoutMs`.
     */
    pollIntervalMs: dflt(num({ int: true, min: 100, max: 60_000 }), 2000),
    /** Per request to Nacos (bounds a read as well, hence the removal delay). */
    requestTimeoutMs: dflt(num({ int: true, min: 100, max: 60_000 }), 3000),
    ...discoveryFields,
  },
  (v, path, issues) => {
    if (v.password !== undefined && v.username === undefined) issues.push({ path: join(path, 'password'), message: 'needs username' });
    if (v.accessToken !== undefined && v.username !== undefined)
      issues.push({ path: join(path, 'accessToken'), message: 'give either accessToken or username/password' });
  },
);

export type NacosConfig = Infer<typeof nacosSchema>;
