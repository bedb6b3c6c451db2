/**
 * The bench never rots: every scenario runs for a second or so (`--smoke`) and each target must have answered,
 * without errors, with its process figures present. No figure is compared with any bar: speed is never asserted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Sample } from '../src/lib/measure.js';
import type { ScenarioResult } from '../src/lib/report.js';

const run = promisify(execFile);
const RUNNER = fileURLToPath(new URL('../src/run.js', import.meta.url));

test('bench smoke run: every scenario and target answers', { timeout: 900_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-smoke-'));
  try {
    const json = join(dir, 'smoke.json');
    const { stdout } = await run(process.execPath, [RUNNER, '--smoke', '--json', json], { maxBuffer: 1 << 24 });
    const { results } = JSON.parse(await readFile(json, 'utf8')) as { results: ScenarioResult[] };
    assert.deepEqual(
      results.map((r) => r.scenario),
      ['hop', 'invoke', 'jsonrpc', 'jsonrpc-batch', 'grpc', 'dubbo-echoString', 'dubbo-echoUser', 'console'],
    );
    for (const result of results) {
      assert.match(stdout, new RegExp(`### ${result.scenario}:`));
      for (const s of result.samples.flat() as Sample[]) {
        const where = `${result.scenario} / ${s.target}`;
        assert.ok(s.closed.requests > 0, `${where}: no request answered in the closed loop`);
        assert.equal(s.closed.errors, 0, `${where}: closed-loop errors`);
        assert.equal(s.open.errors, 0, `${where}: open-loop errors`);
        if (!s.process) continue;
        assert.ok(s.open.requests > 0, `${where}: no request in the open loop`);
        assert.ok(
          s.process.startupMs > 0 && s.process.peakRssMiB > 0 && s.process.cpuUsPerRequest >= 0,
          `${where}: process figures missing`,
        );
        if (s.target.startsWith('ferry')) assert.ok(s.process.gcOpen && s.process.gcClosed, `${where}: GC figures missing`);
      }
    }
    const hop = results.find((r) => r.scenario === 'hop')!;
    assert.match(hop.afterword ?? '', /received [1-9][\d,]* spans/, 'tracing at 10% sent no span to the Zipkin sink');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
