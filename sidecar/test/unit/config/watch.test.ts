import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchFiles } from '../../../src/config/watch.js';

const DEBOUNCE_MS = 30;

async function inFolder(fn: (dir: string, changes: () => number) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-watch-'));
  await writeFile(join(dir, 'ferry.yaml'), 'a: 1\n');
  let count = 0;
  const watch = watchFiles([join(dir, 'ferry.yaml')], () => count++, DEBOUNCE_MS);
  try {
    await fn(dir, () => count);
  } finally {
    watch.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('writes to other files in the folder do not wake the watcher', () =>
  inFolder(async (dir, changes) => {
    for (let i = 0; i < 20; i++) {
      await writeFile(join(dir, 'results.bin'), `line ${i}\n`, { flag: 'a' });
      await sleep(5);
    }
    await sleep(DEBOUNCE_MS * 4);
    assert.equal(changes(), 0);
  }));

/** Resolves once `changes()` went past `seen`, or fails after 5 s. */
async function firedAfter(seen: number, changes: () => number): Promise<number> {
  for (let waited = 0; changes() <= seen; waited += 10) {
    if (waited > 5000) assert.fail(`no change seen after ${seen}`);
    await sleep(10);
  }
  return changes();
}

test('an in-place write, an atomic rename over the file and a `..data` swap each fire', () =>
  inFolder(async (dir, changes) => {
    await writeFile(join(dir, 'ferry.yaml'), 'a: 2\n');
    let seen = await firedAfter(0, changes);
    await writeFile(join(dir, '.ferry.yaml.tmp'), 'a: 3\n');
    await rename(join(dir, '.ferry.yaml.tmp'), join(dir, 'ferry.yaml'));
    seen = await firedAfter(seen, changes);
    await symlink('..2026_12_03', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await firedAfter(seen, changes);
  }));
