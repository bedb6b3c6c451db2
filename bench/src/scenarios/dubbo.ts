import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { USER_CLASS, USER_FIELDS, sampleUser } from '@ferry/sidecar/test-support/java-samples';
import type { LoadResult } from '../lib/load.js';
import { LOAD_CORE, SERVICE_CORE } from '../lib/pinning.js';
import { freePort } from '../lib/processes.js';
import { ferryTarget } from '../lib/targets.js';
import type { BenchOptions, Scenario, Target } from './types.js';

const run = promisify(execFile);
/** The Java peers of examples/dubbo-java (built by `npm test`'s provision step, or `mvn -q package` there). */
export const JAR = fileURLToPath(new URL('../../../../examples/dubbo-java/dubbo-3.3/target/ferry-dubbo-peers-3.3.jar', import.meta.url));
const JVM = ['-Xmx512m', '-XX:+UseParallelGC'];
export const MATRIX = 'com.example.ferry.api.TypeMatrixService';

/** The same arguments the Java consumer's bench mode sends (ConsumerMain.bench, SampleData.user(42, "Alice")). */
const CALLS = {
  echoString: { parameterTypes: ['java.lang.String'], body: JSON.stringify(['hello ferry']) },
  echoUser: { parameterTypes: [USER_CLASS], body: JSON.stringify([sampleUser(42, 'Alice')]) },
} as const;

const CLASSES = { [USER_CLASS]: USER_FIELDS };

/**
 * A Java Dubbo 3.3 provider on the targets' core, ready at its READY line: without a registry (direct
 * connections) unless `registry` names one (`zookeeper://…`; `extra` = more ProviderMain options).
 */
export async function startProvider(registry = 'N/A', extra: string[] = []): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'taskset',
    [
      '-c',
      SERVICE_CORE,
      'java',
      ...JVM,
      '-jar',
      JAR,
      'provider',
      '--zk',
      registry,
      '--port',
      String(port),
      '--name',
      'bench',
      '--no-greeting',
      ...extra,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-8000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const until = Date.now() + 90_000;
  while (!out.includes('FERRY_PROVIDER_READY')) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`Java provider did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const NO_FIXED_RATE: LoadResult = { rps: NaN, requests: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, errors: 0 };

/** The Java consumer's bench mode on the load core: `connections` threads of synchronous typed calls over one connection. */
function javaConsumer(name: string, port: number, method: string): Target {
  return {
    name,
    measured: false,
    start: async () => ({ pid: NaN, startupMs: NaN, pids: [], url: `dubbo://127.0.0.1:${port}`, stop: async () => {} }),
    // The consumer has no fixed-rate mode: its figure is throughput only.
    open: async () => NO_FIXED_RATE,
    async closed(url: string, options: BenchOptions) {
      const args = [
        'consumer',
        'bench',
        '--url',
        url,
        '--method',
        method,
        '--duration',
        String(options.durationS),
        '--warmup',
        '1',
        '--concurrency',
        String(options.connections),
      ];
      const { stdout } = await run('taskset', ['-c', LOAD_CORE, 'java', ...JVM, '-jar', JAR, ...args], { maxBuffer: 1 << 24 });
      const line = stdout.split('\n').find((l) => l.startsWith('{') && l.includes('"mode":"bench"'));
      if (!line) throw new Error(`Java consumer bench printed no result:\n${stdout.slice(-3000)}`);
      const r = JSON.parse(line) as { rps: number; requests: number; p50Ms: number; p99Ms: number; errors: number };
      return {
        rps: r.rps,
        requests: r.requests,
        p50: r.p50Ms * 1000,
        p90: NaN,
        p99: r.p99Ms * 1000,
        p999: NaN,
        max: NaN,
        errors: r.errors,
      };
    },
  };
}

function dubboScenario(method: keyof typeof CALLS): Scenario {
  return {
    name: `dubbo-${method}`,
    description: `HTTP→Dubbo ${method}: a Java Dubbo 3.3 consumer calling a Java provider ` +
      `vs JSON through Ferry /v1/invoke (typed and generic)`,
    async setup(options) {
      if (!existsSync(JAR))
        throw new Error(
          `${JAR} is missing: build the Java peers first (npm test's pretest, or cd examples/dubbo-java && mvn -q -B -DskipTests package)`,
        );
      const provider = await startProvider();
      const methods = { [method]: { parameterTypes: CALLS[method].parameterTypes } };
      const service = (invocation: string) => ({
        protocol: 'dubbo',
        endpoints: [`127.0.0.1:${provider.port}`],
        interface: MATRIX,
        version: '1.0.0',
        invocation,
        methods,
        classes: CLASSES,
      });
      const config = `services: ${JSON.stringify({ typed: service('typed'), generic: service('generic') })}\n`;
      const post = (invocation: string) => (url: string) => ({
        url: `${url}/v1/invoke/${invocation}/${method}`,
        method: 'POST' as const,
        body: CALLS[method].body,
      });
      return {
        targets: [
          javaConsumer('Java Dubbo 3.3 consumer', provider.port, method),
          ferryTarget('ferry /v1/invoke typed', config, options, post('typed')),
          ferryTarget('ferry /v1/invoke generic', config, options, post('generic')),
        ],
        stop: () => provider.stop(),
      };
    },
  };
}

export const dubboEchoString = dubboScenario('echoString');
export const dubboEchoUser = dubboScenario('echoUser');
