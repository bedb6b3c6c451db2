/**
 * The Node app behind Ferry in the Dubbo provider tests: plain HTTP endpoints implementing
 * `com.example.ferry.api.NodeAppService` (examples/dubbo-java), and the Ferry config exposing them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readBody, startUpstream, type TestUpstream } from './helpers.js';
import { USER_CLASS, USER_FIELDS, sampleUser } from './java-samples.js';

export const NODE_IFACE = 'com.example.ferry.api.NodeAppService';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface NodeApp extends TestUpstream {
  seen: SeenRequest[];
  /** Extra delay of /slow (ms), for the timeout test. */
  slowExtraMs: number;
  /** Random delay of /add up to this many ms, so concurrent answers come back out of order. */
  addJitterMs: number;
  /** Calls being answered right now. */
  active(): number;
}


export const NOW = '2024-02-29T13:45:30.123Z';
export const COUNTS = { a: 1, big: '9223372036854775807', neg: -5, zero: 0 };


function sum(a: unknown, b: unknown): number | string {
  const s = BigInt(a as string | number) + BigInt(b as string | number);
  return s <= BigInt(Number.MAX_SAFE_INTEGER) && s >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s.toString();
}

export async function startNodeApp(): Promise<NodeApp> {
  const seen: SeenRequest[] = [];
  let active = 0;
  // the handler reads the settings from the returned object, so tests can change them
  const app = { seen, slowExtraMs: 0, addJitterMs: 30, active: () => active } as NodeApp;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    active++;
    try {
      const raw = (await readBody(req)).toString('utf8');
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (seen.length > 5000) seen.splice(0, seen.length - 5000);
      const args = body as unknown[];
      const route = `${req.method} ${req.url!.replace(/\?.*$/, '')}`;
      let m: RegExpExecArray | null;
      if ((m = /^GET \/users\/(-?\d+)$/.exec(route))) return json(res, 200, sampleUser(Number(m[1]), `user-${m[1]}`));
      // anything under /echo: what the app received
      if (/^\w+ \/echo(\/|$)/.test(route)) return json(res, 200, { method: req.method, url: req.url, body: body ?? null });
      switch (route) {
        case 'POST /users':
          return json(res, 200, body); // saveUser(User): the body is the user itself
        case 'POST /hello':
          return json(res, 200, `Hello ${String(args[0])}`);
        case 'POST /add':
          if (app.addJitterMs) await sleep(Math.random() * app.addJitterMs);
          return json(res, 200, sum(args[0], args[1]));
        case 'POST /scale':
          return json(res, 200, `${String(args[0])}0`); // same value, one more digit of scale
        case 'POST /users/list':
          return json(res, 200, Array.from({ length: Number(args[0]) }, (_, i) => sampleUser(i + 1, `user-${i + 1}`)));
        case 'GET /counts':
          return json(res, 200, COUNTS);
        case 'GET /now':
          return json(res, 200, NOW);
        case 'POST /touch':
          res.writeHead(204).end();
          return;
        case 'POST /fail': {
          const status = Number(args[0]);
          if (status === 503) {
            res.writeHead(503, { 'content-type': 'text/plain' }).end('app is overloaded (plain text)');
            return;
          }
          // the app may name the Java exception class: a JDK one consumers accept (400), one they would refuse (404)
          if (status === 400)
            return json(res, 400, { message: 'app failed with 400', exceptionClass: 'java.lang.IllegalArgumentException' });
          if (status === 404) return json(res, 404, { message: 'app failed with 404', exceptionClass: 'java.util.NoSuchElementException' });
          return json(res, status, { message: `app failed with ${status}` });
        }
        case 'POST /slow':
          await sleep(Number(args[0]) + app.slowExtraMs);
          return json(res, 200, `slept ${String(args[0])}`);
        case 'POST /is-true':
          return json(res, 200, args[0]);
        case 'GET /zero':
          return json(res, 200, 0, { 'x-ferry-attach-served-by': 'node-app' });
        default:
          return json(res, 404, { message: `no route ${route}` });
      }
    } finally {
      active--;
    }
  };
  return Object.assign(app, await startUpstream(handler));
}

/** `inbound` YAML exposing the Node app as NodeAppService (no version, no group). */
export function inboundYaml(opts: {
  appUrl: string;
  zkAddress?: string;
  port?: number;
  heartbeatMs?: number;
  /** `inbound.dubbo.registerMode` (default: Ferry's, `all`). */
  registerMode?: string;
  application?: string;
  services?: string;
  extra?: string;
}): string {
  return `
application: ${opts.application ?? 'node-app'}
advertiseHost: 127.0.0.1
log: { level: ${process.env.FERRY_TEST_LOG ?? 'silent'} }
${opts.zkAddress ? `registries:\n  main: { address: "${opts.zkAddress}", sessionTimeoutMs: 4000 }` : ''}
propagation: { headers: [x-tenant-id, "x-user-*", authorization] }
shutdown: { drainTimeoutMs: 10000 }
inbound:
  app: { url: "${opts.appUrl}", timeoutMs: 5000 }
  dubbo:
    host: 127.0.0.1
    port: ${opts.port ?? 0}
    ${opts.zkAddress ? 'registry: main' : ''}
    ${opts.heartbeatMs ? `heartbeatMs: ${opts.heartbeatMs}` : ''}
    ${opts.registerMode ? `registerMode: ${opts.registerMode}` : ''}
    classes:
      ${USER_CLASS}: ${JSON.stringify(USER_FIELDS)}
    services:
      - interface: ${NODE_IFACE}
        methods:
          getUser:   { http: "GET /users/{0}", parameterTypes: [long], returns: ${USER_CLASS} }
          saveUser:  { http: "POST /users", parameterTypes: [${USER_CLASS}], returns: ${USER_CLASS} }
          hello:     { http: "POST /hello", parameterTypes: [java.lang.String], returns: java.lang.String }
          addLong:   { http: "POST /add", parameterTypes: [long, long], returns: long }
          scale:     { http: "POST /scale", parameterTypes: [java.math.BigDecimal], returns: java.math.BigDecimal }
          listUsers: { http: "POST /users/list", parameterTypes: [int], returns: "java.util.List<${USER_CLASS}>" }
          counts:    { http: "GET /counts", parameterTypes: [], returns: "java.util.Map<java.lang.String,java.lang.Long>" }
          now:       { http: "GET /now", parameterTypes: [], returns: java.util.Date }
          touch:     { http: "POST /touch", parameterTypes: [java.lang.String], returns: void }
          fail:      { http: "POST /fail", parameterTypes: [int], returns: java.lang.String }
          slow:      { http: "POST /slow", parameterTypes: [long], returns: java.lang.String }
          isTrue:    { http: "POST /is-true", parameterTypes: [boolean], returns: boolean }
          zero:      { http: "GET /zero", parameterTypes: [], returns: int }
${opts.services ?? ''}
${opts.extra ?? ''}`;
}
