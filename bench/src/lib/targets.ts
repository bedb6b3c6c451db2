/** The targets every scenario is built from: a direct call, nginx, the bare Node proxy, Ferry on a config. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request } from './load.js';
import { FERRY_BIN, SERVERS_DIR, freePort, freePorts, launch, type Running } from './processes.js';
import { SERVICE_CORE } from './pinning.js';
import type { BenchOptions, Target } from '../scenarios/types.js';

type Started = Running & { url: string };

const PROFILE_PRELOAD = new URL('../profile/preload.js', import.meta.url).href;

/** The upstream itself, called without a hop (already running: start and stop are the scenario's). */
export function directTarget(name: string, upstream: Started, request?: (url: string) => Request): Target {
  return {
    name,
    measured: false,
    ...(request ? { request } : {}),
    start: async () => ({ ...upstream, startupMs: NaN, stop: async () => {} }),
  };
}

/** A Ferry process, with its admin port's URL. */
export interface FerryTarget extends Target {
  start(): Promise<Running & { url: string; adminUrl: string }>;
}

/** Ferry on `yaml`, as `ferry --config FILE`, everything else at its defaults. */
export function ferryTarget(
  name: string,
  yaml: string,
  options: BenchOptions,
  request?: (url: string) => Request,
  bin = FERRY_BIN,
): FerryTarget {
  return {
    name,
    withFerryBin: (other, label) => ferryTarget(`${name} ${label}`, yaml, options, request, other),
    ...(request ? { request } : {}),
    async start() {
      // A folder of its own, as a pod's ConfigMap mount: Ferry watches its config's folder, and the load
      // generator's result files in workDir would wake it on every write.
      const dir = join(options.workDir, `ferry-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'ferry.yaml');
      await writeFile(file, yaml);
      const [port, adminPort] = (await freePorts(2)) as [number, number];
      const url = `http://127.0.0.1:${port}`;
      const running = await launch(process.execPath, [bin, '--config', file, '--port', String(port), '--admin-port', String(adminPort)], {
        cpu: SERVICE_CORE,
        ready: { url: `${url}/readyz` },
        node: { flags: options.profileDir ? ['--import', PROFILE_PRELOAD] : [] },
        ...(options.profileDir ? { env: { FERRY_BENCH_PROFILE_DIR: options.profileDir } } : {}),
      });
      return { ...running, url, adminUrl: `http://127.0.0.1:${adminPort}`, profiled: Boolean(options.profileDir) };
    },
  };
}

/**
 * The bench's bare fastify + undici proxy (servers/bare-proxy.ts) in front of `upstreamUrl`, or another of its
 * servers taking the same arguments (`plain-proxy.js`: node:http and undici, no framework).
 */
export function bareProxyTarget(name: string, upstreamUrl: string, request: (url: string) => Request, script = 'bare-proxy.js'): Target {
  return {
    name,
    request,
    async start() {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const running = await launch(process.execPath, [`${SERVERS_DIR}${script}`, String(port), upstreamUrl], {
        cpu: SERVICE_CORE,
        ready: { url: `${url}/readyz` },
        node: {},
      });
      return { ...running, url };
    },
  };
}

/** nginx with one worker, keep-alive connections to the upstream, no access log: `/v1/proxy/up/X` → upstream `/X`. */
export function nginxTarget(name: string, upstreamUrl: string, options: BenchOptions, request: (url: string) => Request): Target {
  return {
    name,
    request,
    async start() {
      const dir = join(options.workDir, `nginx-${Date.now()}`);
      await mkdir(join(dir, 'logs'), { recursive: true });
      const port = await freePort();
      const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream up { server ${new URL(upstreamUrl).host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location = /readyz { return 200 "ready"; }
    location /v1/proxy/up/ {
      proxy_pass http://up/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
      await writeFile(join(dir, 'nginx.conf'), conf);
      const url = `http://127.0.0.1:${port}`;
      const running = await launch(options.tools.nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')], {
        cpu: SERVICE_CORE,
        ready: { url: `${url}/readyz` },
      });
      return { ...running, url };
    },
  };
}
