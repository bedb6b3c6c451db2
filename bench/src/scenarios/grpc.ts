import { fileURLToPath } from 'node:url';
import { driven } from '../load/driven.js';
import { SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { directTarget, ferryTarget } from '../lib/targets.js';
import type { Scenario } from './types.js';

const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));
const REQUEST = JSON.stringify({ name: 'ferry', id: '9007199254740993', tags: ['a', 'b', 'c'] });

export const grpcScenario: Scenario = {
  name: 'grpc',
  description: 'gRPC unary (grpc-js server): a grpc-js client direct vs JSON through Ferry /v1/invoke, the same load loop for both',
  async setup(options) {
    const upstream = await startServer('grpc-upstream', SERVICE_CORE, [], 'tcp');
    const services = `services:\n  greeter:\n    protocol: grpc\n    endpoints: ["127.0.0.1:${upstream.port}"]\n` +
      `    proto: ["${BENCH_PROTO}"]\n    service: ferry.bench.Greeter\n`;
    return {
      targets: [
        driven(directTarget('direct (grpc-js client)', upstream), () => ({
          kind: 'grpc',
          target: `127.0.0.1:${upstream.port}`,
          body: REQUEST,
        })),
        driven(ferryTarget('ferry /v1/invoke', services, options), (url) => ({
          kind: 'http',
          target: url,
          path: '/v1/invoke/greeter/SayHello',
          body: REQUEST,
        })),
      ],
      stop: () => upstream.stop(),
    };
  },
};
