import type { DubboInboundServer } from '../../src/protocols/dubbo/server/server.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import type { RuntimeHooks } from '../../src/runtime.js';

export interface TestUpstream {
  server: Server;
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<TestUpstream> {
  const server = createServer((req, res) => {
    // A test that aborts a request on purpose must not leave an unhandled rejection behind.
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => res.destroy());
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestSidecar {
  sidecar: Sidecar;
  url: string;
  adminUrl?: string;
  close(): Promise<void>;
}

/** The sidecar's Dubbo provider (`inbound.dubbo`). */
export function dubboServer(sidecar: Sidecar): DubboInboundServer {
  const server = sidecar.servers.get('dubbo');
  if (!server) throw new Error('inbound.dubbo is not configured');
  return server as DubboInboundServer;
}

/** A real sidecar from YAML, on free ports, logging nowhere unless FERRY_TEST_LOG is set. */
export async function startSidecar(yaml: string, hooks?: RuntimeHooks): Promise<TestSidecar> {
  const config = parseConfig(`listen: { port: 0 }\nadmin: { port: 0 }\n${yaml}`, 'test config');
  const logger = createLogger(process.env.FERRY_TEST_LOG ?? 'silent');
  const sidecar = await createSidecar({ config, logger, ...(hooks ? { hooks } : {}) });
  const { port, adminPort } = await sidecar.start();
  return {
    sidecar,
    url: `http://127.0.0.1:${port}`,
    ...(adminPort ? { adminUrl: `http://127.0.0.1:${adminPort}` } : {}),
    close: () => sidecar.close(),
  };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Retries an assertion until it holds or the time is up (then throws its last failure). */
export async function settles(check: () => Promise<void>, timeoutMs = 5000, everyMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/**
 * A folder laid out as the kubelet writes a ConfigMap or Secret volume: each file is a symlink
 * `name -> ..data/name`, `..data -> ..gen_N`; an update writes `..gen_N+1`, renames a new `..data` over the old
 * one (atomic) and removes the old generation, as the kubelet's AtomicWriter does.
 */
export class KubeletVolume {
  #generation = 0;
  constructor(readonly dir: string) {}
  path(name: string): string {
    return join(this.dir, name);
  }
  async write(files: Record<string, string | Buffer>): Promise<void> {
    const old = this.#generation ? `..gen_${this.#generation}` : undefined;
    const gen = `..gen_${++this.#generation}`;
    await mkdir(join(this.dir, gen), { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(join(this.dir, gen, name), content);
    await symlink(gen, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const name of Object.keys(files)) await symlink(`..data/${name}`, join(this.dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    if (old) await rm(join(this.dir, old), { recursive: true });
  }
}
