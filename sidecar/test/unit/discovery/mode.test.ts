import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoveryModeOf, registersAt } from '../../../src/discovery/mode.js';
import { parseConfig, ConfigError } from '../../../src/config/load.js';
import { createAppLevelSource } from '../../../src/discovery/app-level/source.js';
import { RevisionCache } from '../../../src/discovery/app-level/revisions.js';

function issuesOf(yaml: string): string[] {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

test('the service mode wins over the registry mode; auto when neither says', () => {
  assert.equal(discoveryModeOf('instance', 'interface'), 'instance');
  assert.equal(discoveryModeOf(undefined, 'interface'), 'interface');
  assert.equal(discoveryModeOf(undefined, undefined), 'auto');
  assert.deepEqual(registersAt('all'), { interface: true, instance: true });
  assert.deepEqual(registersAt('instance'), { interface: false, instance: true });
  assert.deepEqual(registersAt('interface'), { interface: true, instance: false });
});

test('config: discovery per registry (default auto) and per service; registerMode default all; bad values name the path', () => {
  const config = parseConfig(
    `registries: { zk: { address: "zk:2181" } }
services: { u: { protocol: dubbo, registry: zk, interface: a.B, discovery: instance } }
inbound: { dubbo: { registry: zk, services: [] } }`,
    'test.yaml',
  );
  assert.equal(config.registries.zk!.discovery, 'auto');
  assert.equal(config.registries.zk!.instancePollMs, 5000);
  assert.equal(config.services.u!.discovery, 'instance');
  assert.equal((config.inbound.dubbo as { registerMode?: string }).registerMode, 'all');
  const bad = issuesOf(`registries: { zk: { address: "zk:2181", discovery: app } }
services: { u: { protocol: dubbo, registry: zk, interface: a.B, discovery: both } }
inbound: { dubbo: { registerMode: everything } }`);
  assert.ok(bad.some((i) => i.startsWith('registries.zk.discovery:')), bad.join('\n'));
  assert.ok(bad.some((i) => i.startsWith('services.u.discovery:')), bad.join('\n'));
  assert.ok(bad.some((i) => i.startsWith('inbound.dubbo.registerMode:')), bad.join('\n'));
});

test('application-level source: refresh() reads again at once; a read during a read is queued, not lost', async () => {
  let reads = 0;
  let release: (() => void) | undefined;
  const source = createAppLevelSource({
    read: async () => {
      reads++;
      if (reads === 2) await new Promise<void>((r) => (release = r));
      return [];
    },
    cache: new RevisionCache({ fetch: () => Promise.reject(new Error('unused')) }),
    filter: { interface: 'a.B', protocols: ['dubbo'] },
    intervalMs: 60_000,
  });
  try {
    await source.ready();
    assert.equal(reads, 1);
    source.refresh();
    await new Promise((r) => setImmediate(r));
    assert.equal(reads, 2);
    source.refresh(); // while the second read is running
    release!();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(reads, 3);
  } finally {
    await source.close();
  }
});
