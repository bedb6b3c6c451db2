/**
 * Eureka's REST API (`/eureka/apps…`, JSON), over a list of server URLs with failover: a request goes to the
 * server that answered last; a connection failure, timeout or 5xx moves it on to the next one, each server
 * tried once per request. 4xx answers are answers (404 tells a renewal to register again).
 *
 * Written by hand: the Node Eureka client (eureka-js-client 4.5) is unmaintained, built on the deprecated
 * `request` package, and ties registration, fetching and their timers together (no health-following, no delta
 * check we could reuse); the API is a handful of JSON calls.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { parseApplications, type EurekaApplications, type EurekaInstance, type EurekaStatus } from './instance.js';

export interface EurekaServerOptions {
  /** Eureka service URLs, e.g. `http://eureka-1:8761/eureka/`; `user:password@` in a URL is its basic auth. */
  serviceUrls: readonly string[];
  /** Basic auth for servers whose URL carries none. */
  username?: string;
  password?: string;
  /** Per request, per server (default 5000). */
  timeoutMs?: number;
}

export class EurekaHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EurekaHttpError';
  }
}

interface Server {
  /** Base URL without credentials and trailing slash, e.g. `http://h:8761/eureka`. */
  base: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
}

function parseServer(raw: string, opts: EurekaServerOptions): Server {
  const url = new URL(raw);
  const user = url.username ? decodeURIComponent(url.username) : opts.username;
  const pass = url.username ? decodeURIComponent(url.password) : opts.password;
  url.username = '';
  url.password = '';
  const path = url.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (user !== undefined) headers.authorization = `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
  return { base: `${url.origin}${path}`, origin: url.origin, path, headers };
}

interface Answer {
  status: number;
  body: string;
}

export class EurekaHttp {
  readonly #servers: Server[];
  readonly #timeoutMs: number;
  readonly #agent: Dispatcher = new Agent({ connections: 4, keepAliveTimeout: 60_000 });
  #current = 0;

  constructor(opts: EurekaServerOptions) {
    if (opts.serviceUrls.length === 0) throw new Error('eureka: no service URL');
    this.#servers = opts.serviceUrls.map((u) => parseServer(u, opts));
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** The server that answered last (for logs; no credentials). */
  get server(): string {
    return this.#servers[this.#current]!.base;
  }

  async #send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
    let lastError: Error | undefined;
    for (let n = 0; n < this.#servers.length; n++) {
      const index = (this.#current + n) % this.#servers.length;
      const server = this.#servers[index]!;
      try {
        const res = await request(server.origin + server.path + path, {
          method,
          dispatcher: this.#agent,
          headers: body === undefined ? server.headers : { ...server.headers, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const text = await res.body.text();
        if (res.statusCode >= 500) {
          lastError = new EurekaHttpError(`${method} ${server.base}${path}: HTTP ${res.statusCode}`, res.statusCode);
          continue;
        }
        this.#current = index;
        return { status: res.statusCode, body: text };
      } catch (err) {
        lastError = new EurekaHttpError(`${method} ${server.base}${path}: ${(err as Error).message}`);
      }
    }
    throw lastError!;
  }

  #expect(answer: Answer, what: string, ok: readonly number[]): void {
    if (!ok.includes(answer.status))
      throw new EurekaHttpError(`eureka ${what}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`, answer.status);
  }

  async #applications(path: string): Promise<EurekaApplications> {
    const answer = await this.#send('GET', path);
    this.#expect(answer, `GET ${path}`, [200]);
    try {
      return parseApplications(JSON.parse(answer.body));
    } catch (err) {
      throw new EurekaHttpError(`eureka GET ${path}: ${(err as Error).message}`);
    }
  }

  /** `POST /apps/{app}`: creates or replaces the instance (204). */
  async register(instance: EurekaInstance): Promise<void> {
    this.#expect(
      await this.#send('POST', `/apps/${encodeURIComponent(instance.app)}`, { instance }),
      `register ${instance.instanceId}`,
      [200, 204],
    );
  }

  /**
   * `PUT /apps/{app}/{id}`: the heartbeat. False when Eureka does not know the instance, or knows an older
   * copy of it than `lastDirtyTimestamp` (then register again).
   */
  async renew(app: string, id: string, status: EurekaStatus, lastDirtyTimestamp: number): Promise<boolean> {
    const answer = await this.#send('PUT', `${instancePath(app, id)}?status=${status}&lastDirtyTimestamp=${lastDirtyTimestamp}`);
    if (answer.status === 404) return false;
    this.#expect(answer, `renew ${id}`, [200]);
    return true;
  }

  /** `PUT …/status?value=`: an override that wins over the instance's own UP (how OUT_OF_SERVICE is set). False: unknown instance. */
  async overrideStatus(app: string, id: string, status: EurekaStatus, lastDirtyTimestamp: number): Promise<boolean> {
    const answer = await this.#send('PUT', `${instancePath(app, id)}/status?value=${status}&lastDirtyTimestamp=${lastDirtyTimestamp}`);
    if (answer.status === 404) return false;
    this.#expect(answer, `status ${id}`, [200]);
    return true;
  }

  /** `DELETE …/status?value=`: drops the override; the instance's status becomes `status`. False: unknown instance. */
  async removeStatusOverride(app: string, id: string, status: EurekaStatus, lastDirtyTimestamp: number): Promise<boolean> {
    const answer = await this.#send('DELETE', `${instancePath(app, id)}/status?value=${status}&lastDirtyTimestamp=${lastDirtyTimestamp}`);
    if (answer.status === 404) return false;
    this.#expect(answer, `status ${id}`, [200]);
    return true;
  }

  /** `DELETE /apps/{app}/{id}`. False: Eureka did not know it. */
  async deregister(app: string, id: string): Promise<boolean> {
    const answer = await this.#send('DELETE', instancePath(app, id));
    if (answer.status === 404) return false;
    this.#expect(answer, `deregister ${id}`, [200]);
    return true;
  }

  /** `GET /apps`: the whole registry. */
  applications(): Promise<EurekaApplications> {
    return this.#applications('/apps');
  }

  /** `GET /apps/delta`: instances changed in the server's retention window (3 min by default), each with its `actionType`. */
  delta(): Promise<EurekaApplications> {
    return this.#applications('/apps/delta');
  }

  /** `GET /apps/{app}`: undefined when Eureka has no such application. */
  async application(app: string): Promise<EurekaInstance[] | undefined> {
    const answer = await this.#send('GET', `/apps/${encodeURIComponent(app)}`);
    if (answer.status === 404) return undefined;
    this.#expect(answer, `GET /apps/${app}`, [200]);
    const doc = JSON.parse(answer.body) as { application?: unknown };
    return parseApplications({ applications: { application: doc.application } }).apps.values().next().value ?? [];
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function instancePath(app: string, id: string): string {
  return `/apps/${encodeURIComponent(app)}/${encodeURIComponent(id)}`;
}
