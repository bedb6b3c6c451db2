import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const FERRY_BIN = fileURLToPath(new URL('../../../../sidecar/dist/src/main.js', import.meta.url));
export const SERVERS_DIR = fileURLToPath(new URL('../servers/', import.meta.url));

export interface Child {
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls an URL until it answers 200. */
export async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident set size of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Runs `ferry` on a config file; resolves once `/readyz` answers. */
export async function startFerry(configPath: string, env: NodeJS.ProcessEnv = {}): Promise<Child & { url: string; adminUrl: string }> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const ferry = start(process.execPath, [FERRY_BIN, '--config', configPath, '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn'], env);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/readyz`);
  return { ...ferry, url, adminUrl: `http://127.0.0.1:${adminPort}` };
}

/** Runs one of the bench's own servers (compiled from src/servers) on a free port. */
export async function startServer(name: string, extraArgs: string[] = []): Promise<Child & { port: number }> {
  const port = await freePort();
  const server = start(process.execPath, [`${SERVERS_DIR}${name}.js`, String(port), ...extraArgs]);
  return { ...server, port };
}
