/**
 * The bench never rots: its shared machinery — starting and pinning targets, vegeta and wrk, /proc CPU and RSS,
 * the GC trace, the report, the start-up measurement with its module count — runs for a second or so (`--smoke`)
 * on the `hop` scenario (the baselines, Ferry's defaults and Ferry tracing to the Zipkin sink) and `startup`
 * (the HTTP-only config); each target must have answered, without errors, with its process figures present.
 * The other scenarios (`npm run bench -- --smoke` runs them all) are left out of `npm test`: their Java peers'
 * start-ups alone took minutes on a loaded machine; their Ferry side is what the integration tests cover.
 * No figure is compared with any bar: speed is never asserted.
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
import type { StartupReport } from '../src/startup/startup.js';

type StartupJson = Pick<StartupReport, 'samples' | 'modules'>;

const run = promisify(execFile);
const RUNNER = fileURLToPath(new URL('../src/run.js', import.meta.url));

// '--target proxy': the two reference proxies (fastify and plain node:http), whose servers nothing else runs
const SMOKE = ['--smoke', '--target', 'proxy', '--target', 'ferry defaults', '--target', 'ferry tracing', 'hop', 'startup'];

test('bench smoke run: the hop scenario and the start-up measurement answer', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-smoke-'));
  try {
    const json = join(dir, 'smoke.json');
    const { stdout } = await run(process.execPath, [RUNNER, ...SMOKE, '--json', json], { maxBuffer: 1 << 24 });
    const { results, startup } = JSON.parse(await readFile(json, 'utf8')) as { results: ScenarioResult[]; startup: StartupJson };
    assert.deepEqual(
      results.map((r) => r.scenario),
      ['hop'],
    );
    assert.deepEqual(
      results[0]!.samples[0]!.map((s) => s.target),
      ['direct', 'nginx', 'bare fastify+undici proxy', 'plain node:http+undici proxy', 'ferry defaults', 'ferry tracing 10%'],
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
    assert.match(stdout, /### startup:/);
    assert.deepEqual(
      startup.samples.map((s) => s.config),
      ['HTTP only'],
    );
    for (const s of startup.samples) assert.ok(s.startupMs > 0 && s.idleRssMiB > 0 && s.cpuMsToReady >= 0, 'start-up figures missing');
    assert.ok((startup.modules['HTTP only|this build'] ?? 0) > 0, 'no module file counted');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
