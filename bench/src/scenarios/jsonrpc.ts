import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFerry, startServer } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { measure } from './http.js';
import type { Scenario } from './types.js';

/** Waits until the JSON-RPC server answers a call. */
async function waitJsonRpc(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"add","params":[1],"id":1}' });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BATCH = 10;

export const jsonrpcScenario: Scenario = {
  name: 'jsonrpc',
  description: `JSON-RPC 2.0 (jayson server): a call and a batch of ${BATCH} direct vs through Ferry /v1/invoke and /v1/batch`,
  async run(options) {
    const upstream = await startServer('jsonrpc-upstream');
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    await waitJsonRpc(upstreamUrl);
    const config = join(options.workDir, 'jsonrpc.yaml');
    await writeFile(config, `services:\n  calc: { protocol: jsonrpc, endpoints: ["${upstreamUrl}"] }\n`);
    const ferry = await startFerry(config);
    try {
      const pid = ferry.child.pid!;
      const rows: Row[] = [];
      rows.push(await measure('jsonrpc', 'direct call', upstreamUrl, options, { method: 'POST', body: '{"jsonrpc":"2.0","method":"add","params":[20,22],"id":1}' }));
      rows.push(await measure('jsonrpc', 'ferry /v1/invoke', `${ferry.url}/v1/invoke/calc/add`, options, { method: 'POST', body: '[20,22]', pid }));
      const direct = JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ jsonrpc: '2.0', method: 'add', params: [i, 1], id: i + 1 })));
      const viaFerry = JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ method: 'add', params: [i, 1] })));
      rows.push(await measure('jsonrpc-batch', `direct batch of ${BATCH}`, upstreamUrl, options, { method: 'POST', body: direct }));
      rows.push(await measure('jsonrpc-batch', `ferry /v1/batch of ${BATCH}`, `${ferry.url}/v1/batch/calc`, options, { method: 'POST', body: viaFerry, pid }));
      return rows;
    } finally {
      await ferry.stop();
      await upstream.stop();
    }
  },
};
