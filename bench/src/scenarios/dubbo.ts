import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from '../lib/load.js';
import { freePort, startFerry } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import type { Scenario, ScenarioOptions } from './types.js';
import { measure } from './http.js';

/** The Java peers of examples/dubbo-java (built by `npm test`'s provision step, or `mvn -q package` there). */
const JAR = fileURLToPath(new URL('../../../../examples/dubbo-java/dubbo-3.3/target/ferry-dubbo-peers-3.3.jar', import.meta.url));
const JVM = ['-Xmx512m', '-XX:+UseParallelGC'];
const MATRIX = 'com.example.ferry.api.TypeMatrixService';
const USER = 'com.example.ferry.api.User';

/** The same arguments the Java consumer's bench mode sends (ConsumerMain.bench, SampleData.user(42, "Alice")). */
const CALLS = {
  echoString: { parameterTypes: ['java.lang.String'], body: JSON.stringify(['hello ferry']) },
  echoUser: {
    parameterTypes: [USER],
    body: JSON.stringify([
      { id: 42, name: 'Alice', age: 30, tags: ['a', 'b'], color: 'GREEN', birthday: '1990-05-17T00:00:00.000Z', balance: '1234.56', attributes: { k: 'v' } },
    ]),
  },
} as const;

const CLASSES = {
  [USER]: {
    id: 'long',
    name: 'java.lang.String',
    age: 'int',
    tags: 'java.util.List<java.lang.String>',
    color: 'com.example.ferry.api.Color',
    birthday: 'java.util.Date',
    balance: 'java.math.BigDecimal',
    attributes: 'java.util.Map<java.lang.String,java.lang.String>',
  },
};

function java(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('java', [...JVM, '-jar', JAR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** A Java Dubbo 3.3 provider without a registry (direct connections), ready when it prints its READY line. */
async function startProvider(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const p = java(['provider', '--zk', 'N/A', '--port', String(port), '--name', 'bench', '--no-greeting']);
  const until = Date.now() + 60_000;
  while (!p.output().includes('FERRY_PROVIDER_READY')) {
    if (p.child.exitCode !== null || Date.now() > until) {
      p.child.kill('SIGKILL');
      throw new Error(`Java provider did not start:\n${p.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    async stop() {
      if (p.child.exitCode === null) p.child.kill('SIGTERM');
      await p.exited;
    },
  };
}

/** The Java consumer's bench mode: `concurrency` threads of synchronous typed calls over one connection. */
async function javaConsumerBench(port: number, method: string, options: ScenarioOptions): Promise<LoadResult> {
  const c = java([
    'consumer', 'bench', '--url', `dubbo://127.0.0.1:${port}`, '--method', method,
    '--duration', String(options.durationS), '--warmup', '2', '--concurrency', String(options.connections),
  ]);
  const code = await c.exited;
  const line = c.output().split('\n').find((l) => l.startsWith('{') && l.includes('"mode":"bench"'));
  if (code !== 0 || !line) throw new Error(`Java consumer bench failed (exit ${code}):\n${c.output().slice(-3000)}`);
  const r = JSON.parse(line) as { rps: number; p50Ms: number; p99Ms: number; errors: number };
  return { rps: r.rps, p50: r.p50Ms, p99: r.p99Ms, errors: r.errors, non2xx: 0 };
}

export const dubboScenario: Scenario = {
  name: 'dubbo',
  description: 'HTTP→Dubbo: a Java Dubbo 3.3 consumer calling a Java provider directly vs JSON through Ferry /v1/invoke (typed and generic), echoString and echoUser',
  async run(options) {
    if (!existsSync(JAR)) throw new Error(`${JAR} is missing: build the Java peers first (cd examples/dubbo-java && mvn -q -B -DskipTests package)`);
    const provider = await startProvider();
    const methods = Object.fromEntries(Object.entries(CALLS).map(([m, c]) => [m, { parameterTypes: c.parameterTypes }]));
    const service = (invocation: string) => ({ protocol: 'dubbo', endpoints: [`127.0.0.1:${provider.port}`], interface: MATRIX, version: '1.0.0', invocation, methods, classes: CLASSES });
    const config = join(options.workDir, 'dubbo.yaml');
    await writeFile(config, `services: ${JSON.stringify({ typed: service('typed'), generic: service('generic') })}\n`);
    const ferry = await startFerry(config);
    try {
      const rows: Row[] = [];
      for (const [method, call] of Object.entries(CALLS)) {
        const scenario = `dubbo ${method}`;
        rows.push({ scenario, target: `direct (Java Dubbo 3.3 consumer, ${options.connections} threads)`, max: await javaConsumerBench(provider.port, method, options) });
        for (const invocation of ['typed', 'generic']) {
          rows.push(await measure(scenario, `ferry /v1/invoke (${invocation})`, `${ferry.url}/v1/invoke/${invocation}/${method}`, options, { method: 'POST', body: call.body, pid: ferry.child.pid! }));
        }
      }
      return rows;
    } finally {
      await ferry.stop();
      await provider.stop();
    }
  },
};
