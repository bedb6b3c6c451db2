/**
 * A load loop for what wrk and vegeta cannot speak (gRPC), run as its own process on the load core:
 * `node loop.js JSON` with {kind: 'grpc'|'jsonrpc'|'http', target, durationS, connections, rate?, body}. With `rate` it is
 * an open loop (requests leave on a 1/rate s schedule whatever the answers do),
 * without it a closed loop of `connections` callers. Prints one JSON line: the LoadResult, latencies in µs.
 * The same loop drives both sides of a comparison, so its own cost cancels out.
 */
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import jayson from 'jayson';
import { Pool } from 'undici';

export interface LoopSpec {
  /** A grpc-js client, jayson's JSON-RPC 2.0 HTTP client, or a plain HTTP POST (undici). */
  kind: 'grpc' | 'jsonrpc' | 'http';
  /** host:port for gRPC, a URL for JSON-RPC and HTTP. */
  target: string;
  /** HTTP: the POST path. */
  path?: string;
  /** gRPC: the request as JSON; JSON-RPC: `{method, params}`; HTTP: the body. */
  body: string;
  durationS: number;
  connections: number;
  rate?: number;
}

const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));
type Send = () => Promise<void>;

function grpcSender(spec: LoopSpec): { send: Send; close(): void } {
  const definition = protoLoader.loadSync(BENCH_PROTO, { keepCase: true, longs: String });
  const Greeter = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { bench: { Greeter: grpc.ServiceClientConstructor } } })
    .ferry.bench.Greeter;
  const client = new Greeter(spec.target, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    SayHello(request: unknown, callback: (err: grpc.ServiceError | null) => void): void;
  };
  const request = JSON.parse(spec.body) as unknown;
  return {
    send: () => new Promise<void>((resolve, reject) => client.SayHello(request, (err) => (err ? reject(err) : resolve()))),
    close: () => client.close(),
  };
}

/** jayson's client (keep-alive agent, one socket per caller at most): a JSON-RPC call as an app makes it without Ferry. */
function jsonrpcSender(spec: LoopSpec): { send: Send; close(): void } {
  const url = new URL(spec.target);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const client = jayson.Client.http({ host: url.hostname, port: Number(url.port), path: url.pathname, agent });
  const { method, params } = JSON.parse(spec.body) as { method: string; params: jayson.RequestParamsLike };
  return {
    send: () =>
      new Promise<void>((resolve, reject) =>
        client.request(method, params, (err: unknown, response?: { error?: unknown }) =>
          err || response?.error ? reject(new Error('JSON-RPC call failed')) : resolve(),
        ),
      ),
    close: () => agent.destroy(),
  };
}

function httpSender(spec: LoopSpec): { send: Send; close(): Promise<void> } {
  const pool = new Pool(spec.target, { connections: spec.connections, pipelining: 1 });
  return {
    async send() {
      const res = await pool.request({
        path: spec.path ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: spec.body,
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    },
    close: () => pool.close(),
  };
}

async function closedLoop(send: Send, durationS: number, connections: number, latencies: number[]): Promise<number> {
  let errors = 0;
  const end = performance.now() + durationS * 1000;
  const caller = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await send();
        latencies.push((performance.now() - t0) * 1000);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  return errors;
}

async function openLoop(send: Send, durationS: number, rate: number, latencies: number[]): Promise<number> {
  let errors = 0;
  const start = performance.now();
  const total = Math.round(durationS * rate);
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      inFlight.push(
        send().then(
          () => void latencies.push((performance.now() - t0) * 1000),
          () => void errors++,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  return errors;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as LoopSpec;
  const sender = spec.kind === 'grpc' ? grpcSender(spec) : spec.kind === 'jsonrpc' ? jsonrpcSender(spec) : httpSender(spec);
  await sender.send(); // connect before the clock starts
  const latencies: number[] = [];
  const t0 = performance.now();
  const errors = spec.rate
    ? await openLoop(sender.send, spec.durationS, spec.rate, latencies)
    : await closedLoop(sender.send, spec.durationS, spec.connections, latencies);
  const elapsedS = (performance.now() - t0) / 1000;
  await sender.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? NaN;
  const result = {
    rps: latencies.length / elapsedS,
    requests: latencies.length + errors,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    p999: pct(99.9),
    max: latencies.at(-1) ?? NaN,
    errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
