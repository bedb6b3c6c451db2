import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/observability/logger.js';
import { loadProtocols } from '../../../src/protocols/index.js';
import { Router } from '../../../src/routing/router.js';
import type { Call } from '../../../src/pipeline/types.js';
import { json, startUpstream } from '../../support/helpers.js';
import { testCall } from '../../support/call.js';

const protocols = await loadProtocols();
const logger = createLogger('silent');

const call = (service: string, method: string): Call => testCall({ service, method, deadline: Date.now() + 5000 });

function routerFor(yaml: string): Router {
  return new Router({ config: parseConfig(yaml, 'test'), logger, protocols });
}

test('one route per configured service, each with its own config; an unknown name has none', async () => {
  const router = routerFor(
    'services:\n' +
      '  a: { protocol: http, endpoints: ["http://127.0.0.1:1"], timeoutMs: 700 }\n' +
      '  b: { protocol: http, endpoints: ["http://127.0.0.1:2", "http://127.0.0.1:3"] }',
  );
  try {
    assert.deepEqual(router.routes().map((r) => r.name).sort(), ['a', 'b']);
    assert.equal(router.get('a')!.timeoutMs, 700);
    assert.deepEqual(router.get('b')!.source.current().map((e) => e.id).sort(), ['http://127.0.0.1:2', 'http://127.0.0.1:3']);
    assert.equal(router.get('nope'), undefined);
    await router.ready();
  } finally {
    await router.close();
  }
});

test('ad-hoc targets: one route per distinct name, built once; the limit counts only ad-hoc ones', async () => {
  const router = routerFor('services:\n  a: { protocol: http, endpoints: ["http://127.0.0.1:1"] }');
  try {
    const base = router.get('a')!.config;
    const first = router.adhoc({ ...base, name: 'x' }, 2);
    assert.equal(router.adhoc({ ...base, name: 'x' }, 2), first, 'the same name gives the same route');
    router.adhoc({ ...base, name: 'y' }, 2);
    assert.throws(
      () => router.adhoc({ ...base, name: 'z' }, 2),
      (e: Error) => e instanceof RangeError && /more than 2 ad-hoc/.test(e.message),
    );
    assert.equal(router.adhoc({ ...base, name: 'a' }, 2), router.get('a'), 'a configured service is never ad-hoc');
    assert.deepEqual(router.routes().map((r) => r.name).sort(), ['a', 'x', 'y']);
  } finally {
    await router.close();
  }
});

test('a service whose protocol is not loaded is refused by name', async () => {
  const config = parseConfig('services:\n  a: { protocol: http, endpoints: ["http://127.0.0.1:1"] }', 'test');
  assert.throws(() => new Router({ config, logger, protocols: new Map() }), /protocol "http" is not loaded/);
});

test('a route answers through its chain to the configured upstream', async () => {
  const upstream = await startUpstream((req, res) => json(res, 200, { method: req.method, path: req.url }));
  const router = routerFor(`services:\n  up: { protocol: http, endpoints: ["${upstream.url}"] }`);
  try {
    const reply = await router.get('up')!.invoke(call('up', 'hello'));
    assert.ok(reply.kind === 'http', reply.kind);
    assert.equal(reply.statusCode, 200);
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.concat(await reply.body.toArray());
    assert.deepEqual(JSON.parse(body.toString()), { method: 'POST', path: '/hello' });
  } finally {
    await router.close();
    await upstream.close();
  }
});
