/**
 * `--alternate` never rots either: two rounds of one-second windows (`--smoke`) over the hop scenario's baselines and
 * Ferry's defaults, every target live at once. Each visit must have answered without errors, the second round must
 * run backwards, and the per-round ratios and the live processes' figures must be in the JSON. No speed is asserted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AlternateResult, AlternateSummary } from '../src/lib/alternate-report.js';

const run = promisify(execFile);
const RUNNER = fileURLToPath(new URL('../src/run.js', import.meta.url));
const TARGETS = ['direct', 'nginx', 'ferry defaults'];

type Reported = AlternateResult & { summary: AlternateSummary[] };

test('bench --alternate smoke run: all targets live, visited A B C then C B A', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-alternate-'));
  try {
    const json = join(dir, 'alternate.json');
    const args = [RUNNER, '--smoke', '--alternate', '2', '--window', '1', '--target', 'ferry defaults', '--json', json, 'hop'];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 24 });
    const { alternate } = JSON.parse(await readFile(json, 'utf8')) as { alternate: Reported[] };
    assert.deepEqual(
      alternate.map((r) => r.scenario),
      ['hop'],
    );
    const [hop] = alternate as [Reported];
    assert.deepEqual(
      hop.rounds.map((round) => round.map((v) => v.target)),
      [TARGETS, [...TARGETS].reverse()],
    );
    for (const v of hop.rounds.flat()) {
      assert.ok(v.closed.requests > 0 && v.open.requests > 0, `${v.target}: a window answered no request`);
      assert.equal(v.closed.errors + v.open.errors, 0, `${v.target}: errors`);
      assert.equal(v.cpuUsPerRequest !== undefined, v.target !== 'direct', `${v.target}: CPU figures of the wrong targets`);
    }
    assert.deepEqual(
      hop.processes.map((p) => p.target),
      ['nginx', 'ferry defaults'],
    );
    for (const p of hop.processes) assert.ok(p.idleRssMiB > 0 && p.peakRssMiB >= p.idleRssMiB, `${p.target}: RSS figures missing`);
    assert.ok(hop.processes[1]!.gc && hop.processes[1]!.requests > 0, 'Ferry: GC figures missing');
    const ferry = hop.summary.find((s) => s.target === 'ferry defaults')!;
    assert.equal(ferry.rounds.length, 2);
    assert.ok(ferry.rounds.every((r) => r.maxRps > 0), 'a round without a throughput ratio');
    assert.match(stdout, /### hop:[^\n]*\n\nAlternating windows: 2 rounds/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
