import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult } from '../lib/load.js';
import { LOAD_CORE, SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { directTarget, ferryTarget } from '../lib/targets.js';
import type { BenchOptions, Scenario, Target } from './types.js';

const run = promisify(execFile);
const LOOP = fileURLToPath(new URL('../load/loop.js', import.meta.url));
const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));
const REQUEST = JSON.stringify({ name: 'ferry', id: '9007199254740993', tags: ['a', 'b', 'c'] });

/** wrk and vegeta speak HTTP/1.1 only: both sides of this scenario are driven by the same Node loop (load/loop.ts). */
function driven(target: Target, spec: (url: string) => { kind: 'grpc' | 'http'; target: string; path?: string }): Target {
  const loop = async (url: string, options: BenchOptions, rate?: number): Promise<LoadResult> => {
    const args = JSON.stringify({
      ...spec(url),
      body: REQUEST,
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

export const grpcScenario: Scenario = {
  name: 'grpc',
  description: 'gRPC unary (grpc-js server): a grpc-js client direct vs JSON through Ferry /v1/invoke, the same load loop for both',
  async setup(options) {
    const upstream = await startServer('grpc-upstream', SERVICE_CORE, [], 'tcp');
    const services = `services:\n  greeter:\n    protocol: grpc\n    endpoints: ["127.0.0.1:${upstream.port}"]\n` +
      `    proto: ["${BENCH_PROTO}"]\n    service: ferry.bench.Greeter\n`;
    return {
      targets: [
        driven(directTarget('direct (grpc-js client)', upstream), () => ({ kind: 'grpc', target: `127.0.0.1:${upstream.port}` })),
        driven(ferryTarget('ferry /v1/invoke', services, options), (url) => ({
          kind: 'http',
          target: url,
          path: '/v1/invoke/greeter/SayHello',
        })),
      ],
      stop: () => upstream.stop(),
    };
  },
};
