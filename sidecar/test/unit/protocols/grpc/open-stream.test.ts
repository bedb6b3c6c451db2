import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncResource } from 'node:async_hooks';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { openStream } from '../../../../src/protocols/grpc/open-stream.js';

test('openStream opens a working stream and leaves AsyncResource#bind as it was, also when request() throws', async () => {
  const bind = AsyncResource.prototype.bind;
  const server = http2.createServer();
  server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    // sent while the session still connects: the bound function runs later, on 'connect'
    const stream = openStream(session, { ':path': '/' });
    assert.equal(AsyncResource.prototype.bind, bind);
    const status = await new Promise((resolve) => stream.on('response', (headers) => resolve(headers[':status'])));
    assert.equal(status, 200);
    session.destroy();
    assert.throws(() => openStream(session, { ':path': '/' }), { code: 'ERR_HTTP2_INVALID_SESSION' });
    assert.equal(AsyncResource.prototype.bind, bind);
  } finally {
    session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
