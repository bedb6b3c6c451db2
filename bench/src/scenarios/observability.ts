import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from '../lib/load.js';
import { rssMiB, startFerry, startServer, waitHttp } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import type { Scenario } from './types.js';

/** CPU time (user + system) a process used so far, in ms (Linux, 100 Hz ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The cost of observability on the HTTP→HTTP pass-through, in one run: the same upstream through three
 * Ferry processes — metrics and tracing off (the baseline), metrics on, and metrics plus tracing at 10%
 * sampling with the Zipkin exporter (to a local stand-in collector, so no JVM shares the cores).
 */
export const observabilityScenario: Scenario = {
  name: 'observability',
  description: 'HTTP→HTTP pass-through: metrics/tracing off vs metrics on vs metrics + tracing (10% sampled, Zipkin exporter)',
  async run(options) {
    const upstream = await startServer('http-upstream');
    const sink = await startServer('zipkin-sink');
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    const sinkUrl = `http://127.0.0.1:${sink.port}`;
    await waitHttp(`${upstreamUrl}/hello`);
    await waitHttp(`${sinkUrl}/count`);
    const services = `services:\n  up: { protocol: http, endpoints: ["${upstreamUrl}"] }\n`;
    const variants: Array<[string, string]> = [
      ['ferry, metrics off, tracing off', 'metrics: { enabled: false }\ntracing: { enabled: false }\n'],
      ['ferry, metrics on', 'metrics: { enabled: true }\ntracing: { enabled: false }\n'],
      [
        'ferry, metrics on, tracing 10% → zipkin',
        `metrics: { enabled: true }\ntracing: { enabled: true, sampleRatio: 0.1, exporter: zipkin, endpoint: "${sinkUrl}/api/v2/spans" }\n`,
      ],
    ];
    const rows: Row[] = [];
    const cpu: string[] = [];
    try {
      for (const [i, [target, settings]] of variants.entries()) {
        const config = join(options.workDir, `observability-${i}.yaml`);
        await writeFile(config, settings + services);
        const ferry = await startFerry(config);
        try {
          // As measure() in http.ts, plus the sidecar's CPU per request during the fixed-rate run: a figure
          // that shared cores disturb much less than throughput.
          const pid = ferry.child.pid!;
          const base = { url: `${ferry.url}/v1/proxy/up/hello`, durationS: options.durationS, connections: options.connections };
          await load({ ...base, durationS: 2 });
          const cpuBefore = cpuMs(pid);
          const fixed = await load({ ...base, rate: options.rate });
          const cpuPerRequestUs = ((cpuMs(pid) - cpuBefore) * 1000) / (options.rate * options.durationS);
          const max = await load(base);
          rows.push({ scenario: 'observability', target, fixed, max, rssMiB: rssMiB(pid) });
          cpu.push(`${target}: ${cpuPerRequestUs.toFixed(0)} µs CPU per request at ${options.rate} req/s`);
        } finally {
          await ferry.stop();
        }
      }
      const { spans } = (await (await fetch(`${sinkUrl}/count`)).json()) as { spans: number };
      console.error(`observability: the zipkin stand-in received ${spans} spans (2 per sampled request, 10% of requests sampled)`);
      for (const line of cpu) console.error(`observability: ${line}`);
      return rows;
    } finally {
      await sink.stop();
      await upstream.stop();
    }
  },
};
