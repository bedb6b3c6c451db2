import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { Agent as EntryAgent } from 'undici';
import { Agent } from '../../../../src/protocols/http/agent.js';

test("the lean Agent is undici's own, with its request API", async () => {
  assert.equal(Agent, EntryAgent);
  const server = createHttpServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new Agent();
  try {
    const { port } = server.address() as AddressInfo;
    const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'ok');
  } finally {
    await agent.close();
    server.close();
  }
});
