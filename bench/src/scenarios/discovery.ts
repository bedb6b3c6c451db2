/**
 * The same Java Dubbo 3.3 provider (registered both ways, `register-mode=all`) found by Ferry through ZooKeeper
 * at interface level and at application level (`discovery: interface | instance`): start-up to ready, the
 * first call after ready, and steady-state throughput and latency, in one run.
 */
import { request } from 'undici';
import { existsSync } from 'node:fs';
import { SERVICE_CORE } from '../lib/pinning.js';
import { ferryTarget } from '../lib/targets.js';
import { startZooKeeper } from '../lib/zookeeper.js';
import { JAR, MATRIX, startProvider } from './dubbo.js';
import type { Scenario, Target } from './types.js';

const MODES = ['interface', 'instance'] as const;
const BODY = JSON.stringify(['hello ferry']);

/** A Ferry target whose start also times the first call after /readyz (kept per target name). */
function timedFirstCall(target: Target, firstCalls: Map<string, number[]>): Target {
  return {
    ...target,
    async start() {
      const running = await target.start();
      const t0 = performance.now();
      // after /readyz discovery has answered; a 503 would mean it had not: keep trying, the time counts
      for (;;) {
        const res = await request(`${running.url}/v1/invoke/matrix/echoString`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: BODY,
        });
        await res.body.dump();
        if (res.statusCode === 200) break;
        if (performance.now() - t0 > 30_000) throw new Error(`${target.name}: no 200 within 30 s (last ${res.statusCode})`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const list = firstCalls.get(target.name) ?? [];
      list.push(performance.now() - t0);
      firstCalls.set(target.name, list);
      return running;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export const discoveryScenario: Scenario = {
  name: 'dubbo-discovery',
  description: 'HTTP→Dubbo echoString through Ferry, the provider found in ZooKeeper at interface level vs application level',
  async setup(options) {
    if (!existsSync(JAR)) throw new Error(`${JAR} is missing: build the Java peers first (npm test's pretest)`);
    const zk = await startZooKeeper(SERVICE_CORE);
    const provider = await startProvider(`zookeeper://${zk.address}`, ['--register-mode', 'all', '--app', 'bench-app']).catch(
      async (err: unknown) => {
        await zk.stop();
        throw err;
      },
    );
    const firstCalls = new Map<string, number[]>();
    const targets = MODES.map((mode) => {
      const service = { protocol: 'dubbo', registry: 'zk', discovery: mode, interface: MATRIX, version: '1.0.0', invocation: 'typed' };
      const methods = { echoString: { parameterTypes: ['java.lang.String'] } };
      const config = [
        `registries: { zk: { address: "${zk.address}" } }`,
        `services: ${JSON.stringify({ matrix: { ...service, methods } })}`,
        '',
      ].join('\n');
      const target = ferryTarget(`ferry ${mode}-discovered`, config, options, (url) => ({
        url: `${url}/v1/invoke/matrix/echoString`,
        method: 'POST' as const,
        body: BODY,
      }));
      return timedFirstCall(target, firstCalls);
    });
    return {
      targets,
      async afterword() {
        const ms = (xs: number[]) => xs.map((m) => m.toFixed(1)).join(', ');
        const parts = [...firstCalls].map(([name, xs]) => `${name} ${median(xs).toFixed(1)} ms (of ${ms(xs)})`);
        return `First call after /readyz (median per start; "start-up" above is spawn → /readyz, discovery included): ${parts.join('; ')}.`;
      },
      async stop() {
        await provider.stop();
        await zk.stop();
      },
    };
  },
};
