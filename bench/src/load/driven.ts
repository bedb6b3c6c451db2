import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult } from '../lib/load.js';
import { LOAD_CORE } from '../lib/pinning.js';
import type { BenchOptions, Target } from '../scenarios/types.js';
import type { LoopSpec } from './loop.js';

const run = promisify(execFile);
const LOOP = fileURLToPath(new URL('./loop.js', import.meta.url));

/** What the loop needs besides the run's duration, connections and rate. */
export type DriveSpec = Omit<LoopSpec, 'durationS' | 'connections' | 'rate'>;

/**
 * `target` driven by the Node load loop (loop.ts) on the load core instead of wrk and vegeta: for a client library
 * in the loop (gRPC, a JSON-RPC client) and for what is compared with it, so the loop's own cost cancels out.
 */
export function driven(target: Target, spec: (url: string) => DriveSpec): Target {
  const loop = async (url: string, options: BenchOptions, rate?: number): Promise<LoadResult> => {
    const args = JSON.stringify({
      ...spec(url),
      durationS: options.durationS,
      connections: options.connections,
      ...(rate ? { rate } : {}),
    });
    const { stdout } = await run('taskset', ['-c', LOAD_CORE, process.execPath, LOOP, args]);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
  };
  return {
    ...target,
    open: (url, options) => loop(url, options, options.rate),
    closed: (url, options) => loop(url, options),
    ...(target.withFerryBin ? { withFerryBin: (bin: string, label: string) => driven(target.withFerryBin!(bin, label), spec) } : {}),
  };
}
