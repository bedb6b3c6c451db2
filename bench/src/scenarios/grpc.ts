import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Pool } from 'undici';
import type { LoadResult } from '../lib/load.js';
import { rssMiB, startFerry, startServer } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import type { Scenario, ScenarioOptions } from './types.js';
import { measure } from './http.js';

const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));
const REQUEST = { name: 'ferry', id: '9007199254740993', tags: ['a', 'b', 'c'] };

type Send = () => Promise<void>;

/**
 * autocannon speaks HTTP/1.1 only, so both targets of this scenario are driven by the same small load loop:
 * `connections` workers, each with one call in flight; with `rate`, workers are paced to that total rate.
 */
async function loop(send: Send, durationS: number, connections: number, rate?: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + durationS * 1000;
  const interval = rate ? (connections * 1000) / rate : 0;
  const worker = async (index: number) => {
    let next = start + (interval * index) / connections;
    while (performance.now() < end) {
      if (interval) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next += interval;
        if (performance.now() >= end) break;
      }
      const t0 = performance.now();
      try {
        await send();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(i)));
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { rps: latencies.length / elapsedS, p50: pct(50), p99: pct(99), errors, non2xx: 0 };
}

async function measureLoop(scenario: string, target: string, send: Send, options: ScenarioOptions, pid?: number): Promise<Row> {
  await loop(send, 2, options.connections); // warm-up
  const fixed = await loop(send, options.durationS, options.connections, options.rate);
  const max = await loop(send, options.durationS, options.connections);
  return { scenario, target, fixed, max, ...(pid ? { rssMiB: rssMiB(pid) } : {}) };
}

export const grpcScenario: Scenario = {
  name: 'grpc',
  description: 'gRPC unary (grpc-js server): a grpc-js client direct vs JSON through Ferry /v1/invoke (same load loop)',
  async run(options) {
    const upstream = await startServer('grpc-upstream');
    const definition = protoLoader.loadSync(BENCH_PROTO, { keepCase: true, longs: String });
    const Greeter = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { bench: { Greeter: grpc.ServiceClientConstructor } } }).ferry.bench.Greeter;
    const client = new Greeter(`127.0.0.1:${upstream.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      SayHello(request: unknown, callback: (err: grpc.ServiceError | null, reply?: unknown) => void): void;
    };
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 30_000, (err) => (err ? reject(err) : resolve())));
    const config = join(options.workDir, 'grpc.yaml');
    await writeFile(config, `services:\n  greeter:\n    protocol: grpc\n    endpoints: ["127.0.0.1:${upstream.port}"]\n    proto: ["${BENCH_PROTO}"]\n    service: ferry.bench.Greeter\n`);
    const ferry = await startFerry(config);
    const pool = new Pool(ferry.url, { connections: options.connections, pipelining: 1 });
    const body = JSON.stringify(REQUEST);
    try {
      const direct: Send = () => new Promise<void>((resolve, reject) => client.SayHello(REQUEST, (err) => (err ? reject(err) : resolve())));
      const viaFerry: Send = async () => {
        const res = await pool.request({ path: '/v1/invoke/greeter/SayHello', method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      };
      const rows: Row[] = [];
      rows.push(await measureLoop('grpc', 'direct (grpc-js client)', direct, options));
      rows.push(await measureLoop('grpc', 'ferry /v1/invoke (JSON, same loop)', viaFerry, options, ferry.child.pid!));
      // The load generator of the other scenarios, for comparison across scenarios.
      rows.push(await measure('grpc', 'ferry /v1/invoke (JSON, autocannon)', `${ferry.url}/v1/invoke/greeter/SayHello`, options, { method: 'POST', body, pid: ferry.child.pid! }));
      return rows;
    } finally {
      await pool.close();
      client.close();
      await ferry.stop();
      await upstream.stop();
    }
  },
};
