/** Starting and stopping what the bench measures: each process pinned to a core, ready when it answers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GcLog } from './gc.js';
import { processTree } from './procfs.js';

/** The Ferry build under test; BENCH_FERRY_BIN points at another (a before/after comparison; not FERRY_*, which Ferry reads as config). */
export const FERRY_BIN = process.env.BENCH_FERRY_BIN ?? fileURLToPath(new URL('../../../../sidecar/dist/src/main.js', import.meta.url));
export const SERVERS_DIR = fileURLToPath(new URL('../servers/', import.meta.url));

export interface Running {
  pid: number;
  /** From spawn to the first good answer on the readiness check. */
  startupMs: number;
  /** Garbage collections, for Node processes started with `node: true`. */
  gc?: GcLog;
  /** The process and its children (nginx's master and worker), as of start-up. */
  pids: number[];
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** taskset cpu list. */
  cpu: string;
  /** Ready when this URL answers 200, or when this port accepts a connection. */
  ready: { url: string } | { port: number };
  env?: NodeJS.ProcessEnv;
  /** A Node process: run with --trace-gc-nvp (and these extra Node flags) so its GCs are counted. */
  node?: { flags?: string[] };
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** `count` distinct free loopback ports (held open together while picked, so no two are the same). */
/**
 * Free loopback ports below the kernel's ephemeral range (32768 and up): a port from that range can be taken as
 * the source port of some other connection between this check and the server binding it, which a machine busy
 * with load generators does within seconds.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (ports.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server: Server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) ports.push(port);
  }
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

function answers(check: LaunchOptions['ready']): Promise<boolean> {
  return new Promise((resolve) => {
    if ('port' in check) {
      const socket = connect(check.port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      return;
    }
    const req = get(check.url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
  });
}

/** Spawns `command` pinned to `options.cpu` and resolves once it is ready. */
export async function launch(command: string, args: string[], options: LaunchOptions): Promise<Running> {
  const argv = options.node ? [command, '--trace-gc-nvp', ...(options.node.flags ?? []), ...args] : [command, ...args];
  const t0 = performance.now();
  const child = spawn('taskset', ['-c', options.cpu, ...argv], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (errors = (errors + d).slice(-4000)));
  const gc = options.node ? new GcLog(child.stdout!) : (child.stdout!.resume(), undefined);
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await answers(options.ready))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${argv.join(' ')} did not become ready (exit ${child.exitCode ?? child.signalCode}):\n${errors}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startupMs = performance.now() - t0;
  return {
    pid: child.pid!,
    startupMs,
    ...(gc ? { gc } : {}),
    pids: processTree(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One of the bench's own Node servers (compiled from src/servers), on a free port: `node server.js PORT ...args`. */
export async function startServer(
  name: string,
  cpu: string,
  extraArgs: string[] = [],
  ready: 'http' | 'tcp' = 'http',
): Promise<Running & { port: number; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = await launch(process.execPath, [`${SERVERS_DIR}${name}.js`, String(port), ...extraArgs], {
    cpu,
    ready: ready === 'http' ? { url: `${url}/readyz` } : { port },
  });
  return { ...running, port, url };
}
