import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from '../lib/load.js';
import { rssMiB, startFerry, startServer, waitHttp } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import type { Scenario, ScenarioOptions } from './types.js';

/** Measures one target: a fixed-rate latency run, then an as-fast-as-possible run. */
export async function measure(scenario: string, target: string, url: string, options: ScenarioOptions, extra: { method?: 'GET' | 'POST'; body?: string; pid?: number } = {}): Promise<Row> {
  const base = { url, durationS: options.durationS, connections: options.connections, ...(extra.method ? { method: extra.method } : {}), ...(extra.body ? { body: extra.body } : {}) };
  await load({ ...base, durationS: 2 }); // warm-up
  const fixed = await load({ ...base, rate: options.rate });
  const max = await load(base);
  return { scenario, target, fixed, max, ...(extra.pid ? { rssMiB: rssMiB(extra.pid) } : {}) };
}

export const httpScenario: Scenario = {
  name: 'http',
  description: 'HTTP→HTTP: GET /hello direct vs through Ferry pass-through and invoke',
  async run(options) {
    const upstream = await startServer('http-upstream');
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    await waitHttp(`${upstreamUrl}/hello`);
    const config = join(options.workDir, 'http.yaml');
    await writeFile(config, `services:\n  up: { protocol: http, endpoints: ["${upstreamUrl}"] }\n`);
    const ferry = await startFerry(config);
    try {
      const rows: Row[] = [];
      rows.push(await measure('http', 'direct', `${upstreamUrl}/hello`, options));
      rows.push(await measure('http', 'ferry /v1/proxy', `${ferry.url}/v1/proxy/up/hello`, options, { pid: ferry.child.pid! }));
      rows.push(await measure('http', 'ferry /v1/invoke', `${ferry.url}/v1/invoke/up/echo`, options, { method: 'POST', body: '{"hello":"world"}', pid: ferry.child.pid! }));
      return rows;
    } finally {
      await ferry.stop();
      await upstream.stop();
    }
  },
};
