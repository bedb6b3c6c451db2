import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled `ferry` executable. */
export const FERRY_BIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface FerryProcess {
  child: ChildProcess;
  port: number;
  adminPort?: number;
  output(): string;
  exited: Promise<number | null>;
}

/** Spawns `ferry` and waits for its "ferry listening" log line. */
export async function spawnFerry(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15000): Promise<FerryProcess> {
  const child = spawn(process.execPath, [FERRY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = await new Promise<{ port: number; adminPort?: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry did not start:\n${out}`)), timeoutMs);
    const check = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('"ferry listening"')) continue;
        clearTimeout(timer);
        const parsed = JSON.parse(line) as { port: number; adminPort?: number };
        resolve(parsed);
        return;
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`ferry exited with ${code}:\n${out}`)));
  });
  return { child, ...listening, output: () => out, exited };
}

export function runFerry(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FERRY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
