import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchInstances } from '../../../../src/discovery/nacos/instances.js';
import type { NacosServiceKey, NacosTransport } from '../../../../src/discovery/nacos/types.js';

const key: NacosServiceKey = { namespaceId: 'public', groupName: 'DEFAULT_GROUP', serviceName: 'orders' };

test('watches of one service share a poller: a repeated close counts once, the last close stops it', async () => {
  let reads = 0;
  const transport = {
    listInstances: async () => {
      reads++;
      return [];
    },
  } as unknown as NacosTransport;
  const a = watchInstances(transport, key, { intervalMs: 5 });
  const b = watchInstances(transport, key, { intervalMs: 5 });
  await Promise.all([a.ready(), b.ready()]);
  assert.equal(reads, 1, 'one poller for both');
  a.close();
  a.close();
  const before = reads;
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.ok(reads > before, "b's hold keeps the poller polling although a closed twice");
  b.close();
  const stopped = reads;
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.ok(reads <= stopped + 1, 'the last close stops polling (at most a read already under way)');
  const c = watchInstances(transport, key, { intervalMs: 5 });
  await c.ready();
  assert.ok(reads > stopped, 'a watch after the last close starts a poller of its own');
  c.close();
});
