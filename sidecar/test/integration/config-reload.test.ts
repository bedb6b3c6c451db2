/**
 * The config file watcher against the ways a file really gets replaced: Kubernetes' ConfigMap volume (the
 * kubelet writes a new timestamped folder and swaps the `..data` symlink), an editor's or `sed -i`'s atomic
 * save (write a temp file, rename it over), and a plain in-place write. Every change must reload, any number of
 * times; a bad file or a change to a restart-only key is refused, logged and counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { spawnFerry, type FerryProcess } from '../support/process.js';
import { json, KubeletVolume, settles as eventually, startUpstream, type TestUpstream } from '../support/helpers.js';


const serviceYaml = (url: string, extra = '') => `${extra}services:\n  s: { protocol: http, endpoints: ["${url}"] }\n`;

async function from(ferry: FerryProcess): Promise<string | undefined> {
  const res = await request(`http://127.0.0.1:${ferry.port}/v1/invoke/s/x`, { method: 'POST', body: '[]' });
  return ((await res.body.json()) as { from?: string }).from;
}

async function reloads(ferry: FerryProcess): Promise<Record<string, number>> {
  const text = await (await request(`http://127.0.0.1:${ferry.adminPort}/metrics`)).body.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^ferry_config_reloads_total\{result="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function withFerry(fn: (ctx: { a: TestUpstream; b: TestUpstream; dir: string }) => Promise<void>): Promise<void> {
  const a = await startUpstream((_req, res) => json(res, 200, { from: 'a' }));
  const b = await startUpstream((_req, res) => json(res, 200, { from: 'b' }));
  const dir = await mkdtemp(join(tmpdir(), 'ferry-reload-'));
  try {
    await fn({ a, b, dir });
  } finally {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const refusals = (ferry: FerryProcess) => ferry.output().split('\n').filter((l) => l.includes('config reload refused'));

async function stop(ferry: FerryProcess): Promise<void> {
  ferry.child.kill('SIGTERM');
  await ferry.exited;
}

test('ConfigMap symlink swaps: every swap reloads (5 in a row), each logged and counted', async () => {
  await withFerry(async ({ a, b, dir }) => {
    const volume = new KubeletVolume(dir);
    await volume.write({ 'ferry.yaml': serviceYaml(a.url) });
    const ferry = await spawnFerry(['--config', volume.path('ferry.yaml'), '--port', '0', '--admin-port', '0']);
    try {
      assert.equal(await from(ferry), 'a');
      for (let i = 1; i <= 5; i++) {
        const target = i % 2 === 1 ? b : a;
        await volume.write({ 'ferry.yaml': serviceYaml(target.url) });
        await eventually(async () => assert.equal(await from(ferry), i % 2 === 1 ? 'b' : 'a', `swap ${i}`), 5000);
        await eventually(async () => assert.equal((await reloads(ferry)).applied, i), 3000);
      }
      assert.equal(ferry.output().match(/"config reloaded"/g)?.length, 5);
    } finally {
      await stop(ferry);
    }
  });
});

test('atomic saves (temp file renamed over, as sed -i and editors do) and in-place writes: each one reloads', async () => {
  await withFerry(async ({ a, b, dir }) => {
    const file = join(dir, 'ferry.yaml');
    await writeFile(file, serviceYaml(a.url));
    const ferry = await spawnFerry(['--config', file, '--port', '0', '--admin-port', '0']);
    try {
      for (let i = 1; i <= 4; i++) {
        const target = i % 2 === 1 ? b : a;
        if (i <= 3) {
          await writeFile(join(dir, `.ferry.yaml.tmp${i}`), serviceYaml(target.url));
          await rename(join(dir, `.ferry.yaml.tmp${i}`), file);
        } else {
          await writeFile(file, serviceYaml(target.url));
        }
        await eventually(async () => assert.equal(await from(ferry), i % 2 === 1 ? 'b' : 'a', `save ${i}`), 5000);
      }
      await eventually(async () => assert.equal((await reloads(ferry)).applied, 4), 3000);
      // another file changing in the same folder is no reload
      await writeFile(join(dir, 'unrelated.txt'), 'x');
      await new Promise((r) => setTimeout(r, 600));
      assert.equal((await reloads(ferry)).applied, 4);
    } finally {
      await stop(ferry);
    }
  });
});

test('a bad file and a change to a restart-only key are refused, logged, counted; the next good swap still reloads', async () => {
  await withFerry(async ({ a, b, dir }) => {
    const volume = new KubeletVolume(dir);
    await volume.write({ 'ferry.yaml': serviceYaml(a.url) });
    const ferry = await spawnFerry(['--config', volume.path('ferry.yaml'), '--port', '0', '--admin-port', '0']);
    try {
      await volume.write({ 'ferry.yaml': serviceYaml('not a url') });
      await eventually(async () => assert.equal((await reloads(ferry)).invalid, 1), 5000);
      assert.match(refusals(ferry)[0]!, /invalid config.*services\.s\.endpoints\[0\]: not a URL/);

      await volume.write({ 'ferry.yaml': serviceYaml(b.url, 'listen: { host: 127.0.0.2 }\nlimits: { bodyBytes: 2048 }\n') });
      await eventually(async () => assert.equal((await reloads(ferry)).restart_required, 1), 5000);
      assert.match(refusals(ferry)[1]!, /"keys":\["limits\.bodyBytes","listen\.host"\].*restart to apply/);
      assert.equal(await from(ferry), 'a', 'the running config keeps serving');

      await volume.write({ 'ferry.yaml': serviceYaml(b.url) });
      await eventually(async () => assert.equal(await from(ferry), 'b'), 5000);
      assert.deepEqual(await reloads(ferry), { applied: 1, invalid: 1, restart_required: 1 });
    } finally {
      await stop(ferry);
    }
  });
});
