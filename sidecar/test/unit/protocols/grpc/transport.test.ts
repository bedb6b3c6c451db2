/**
 * Ferry's gRPC transport (connection.ts, call.ts) against bare node:http2 servers that answer what a gRPC
 * server rarely does: HTTP errors, replies split over DATA frames, oversized and compressed messages, resets,
 * dropped connections, a server gone and back on the same port.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createGrpcClient } from '../../../../src/protocols/grpc/client.js';
import type { ProtocolContext } from '../../../../src/protocols/types.js';
import type { Endpoint } from '../../../../src/discovery/types.js';
import type { GrpcServiceConfig } from '../../../../src/protocols/grpc/schema.js';
import { FerryError } from '../../../../src/errors.js';
import { testCall } from '../../../support/call.js';

const FIXTURES = fileURLToPath(new URL('../../../../../test/fixtures/grpc/', import.meta.url));
const SERVICE = {
  name: 'lab',
  protocol: 'grpc',
  proto: [`${FIXTURES}lab.proto`],
  includeDirs: [`${FIXTURES}include`],
  service: 'ferry.test.Lab',
  tls: false,
} as unknown as GrpcServiceConfig;
const MAX = 1000;
const client = createGrpcClient(SERVICE, { config: { limits: { proxyBodyBytes: MAX } } } as unknown as ProtocolContext);
after(() => client.close());

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;
let handler: Handler = () => {};

interface H2Server {
  server: http2.Http2Server;
  port: number;
  sessions: Set<http2.ServerHttp2Session>;
}

/** A bare HTTP/2 server whose streams `handler` answers. */
async function h2Server(port = 0): Promise<H2Server> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    handler(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sessions };
}

function endpoint(port: number): Endpoint {
  return { id: `127.0.0.1:${port}`, address: `127.0.0.1:${port}`, host: '127.0.0.1', port, weight: 100, params: {} };
}

/** Whoami's reply (a google.protobuf.Struct) with one string field, length-prefixed. */
function structReply(key: string, value: string): Buffer {
  const text = Buffer.from(value);
  const inner = Buffer.concat([Buffer.from([0x1a, text.length]), text]); // Value.string_value
  const entry = Buffer.concat([Buffer.from([0x0a, key.length]), Buffer.from(key), Buffer.from([0x12, inner.length]), inner]);
  const message = Buffer.concat([Buffer.from([0x0a, entry.length]), entry]); // Struct.fields
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function answer(stream: http2.ServerHttp2Stream, body: Buffer[], trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '0' }): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-served-by': 'h2' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  const [first, ...rest] = body;
  const next = (i: number) => (i < rest.length ? setTimeout(() => stream.write(rest[i], () => next(i + 1)), 5) : stream.end());
  stream.write(first ?? Buffer.alloc(0), () => next(0));
}

async function failure(promise: Promise<unknown>): Promise<FerryError> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FerryError, String(err));
  return err;
}

const whoami = (port: number) => client.invoke(testCall({ service: 'lab', method: 'Whoami', args: {} }), endpoint(port));

test('a reply split over DATA frames decodes; response headers and trailers come back for the app', async () => {
  const { server, port } = await h2Server();
  try {
    const bytes = structReply('k', 'split across frames');
    const frames = [bytes.subarray(0, 3), bytes.subarray(3, 9), bytes.subarray(9)];
    handler = (stream) => answer(stream, frames, { 'grpc-status': '0', 'x-t': 'w' });
    const reply = await whoami(port);
    assert.equal(reply.kind, 'value');
    assert.deepEqual(reply.kind === 'value' && reply.value, { k: 'split across frames' });
    assert.deepEqual(reply.kind === 'value' && reply.headers, { 'x-served-by': 'h2', 'x-t': 'w' });
  } finally {
    server.close();
  }
});

test('statuses: HTTP errors, trailers-only, percent-encoded messages, resets, too many or too big messages', async () => {
  const { server, port } = await h2Server();
  try {
    const page = (status: number) => (s: http2.ServerHttp2Stream) => {
      s.respond({ ':status': status, 'content-type': 'text/html' });
      s.end('<p/>');
    };
    const notFound = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'no%20such%20%E2%9C%93' };
    const grpcCt = { ':status': 200, 'content-type': 'application/grpc' };
    const cases: Array<[string, Handler, string, RegExp]> = [
      ['HTTP 404 page', page(404), 'FERRY_ERR_GRPC_UNIMPLEMENTED', /HTTP status code 404/],
      ['HTTP 503 page', page(503), 'FERRY_ERR_GRPC_UNAVAILABLE', /503/],
      ['trailers-only', (s) => s.respond(notFound, { endStream: true }), 'FERRY_ERR_GRPC_NOT_FOUND', /NOT_FOUND: no such ✓$/],
      ['REFUSED_STREAM', (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM), 'FERRY_ERR_GRPC_UNAVAILABLE', /refused/],
      ['the connection dropped', (s) => s.session?.destroy(), 'FERRY_ERR_UPSTREAM_RESET', /Connection dropped/],
      ['no status', (s) => (s.respond(grpcCt), s.end()), 'FERRY_ERR_UPSTREAM_RESET', /without gRPC status/],
      ['two messages', (s) => answer(s, [structReply('a', '1'), structReply('b', '2')]), 'FERRY_ERR_GRPC_UNIMPLEMENTED', /Too many/],
      ['no message', (s) => answer(s, []), 'FERRY_ERR_GRPC_UNIMPLEMENTED', /No message received/],
      ['over the size limit', (s) => answer(s, [structReply('big', 'x'.repeat(MAX))]), 'FERRY_ERR_UPSTREAM_TOO_LARGE', /larger than max/],
      ['compressed', (s) => answer(s, [Buffer.from([1, 0, 0, 0, 0])]), 'FERRY_ERR_GRPC_INTERNAL', /compressed/],
    ];
    for (const [name, h, code, message] of cases) {
      handler = h;
      const err = await failure(whoami(port));
      assert.equal(err.code, code, `${name}: ${err.message}`);
      assert.match(err.message, message, name);
    }
    handler = () => assert.fail('nothing is sent');
    const big = await failure(
      client.invoke(testCall({ service: 'lab', method: 'Echo', args: { tags: ['x'.repeat(MAX)] } }), endpoint(port)),
    );
    assert.equal(big.code, 'FERRY_ERR_UPSTREAM_TOO_LARGE');
  } finally {
    server.close();
  }
});

test('the request: grpc-timeout from the deadline, metadata; the app going away cancels the stream', async () => {
  const { server, port } = await h2Server();
  try {
    let seen: http2.IncomingHttpHeaders = {};
    const closed = new Promise<number>((resolve) => {
      handler = (stream, headers) => {
        seen = headers;
        stream.on('close', () => resolve(stream.rstCode));
      };
    });
    const controller = new AbortController();
    const deadline = Date.now() + 60_000;
    const outgoing = { 'x-tenant': 'acme' };
    const call = testCall({ service: 'lab', method: 'Whoami', args: {}, deadline, signal: controller.signal, outgoing });
    const pending = client.invoke(call, endpoint(port));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error('the app went away'));
    const err = await failure(pending);
    assert.equal(err.code, 'FERRY_ERR_GRPC_CANCELLED');
    assert.equal(await closed, http2.constants.NGHTTP2_CANCEL);
    assert.equal(seen[':path'], '/ferry.test.Lab/Whoami');
    assert.equal(seen['content-type'], 'application/grpc');
    assert.equal(seen.te, 'trailers');
    assert.equal(seen['x-tenant'], 'acme');
    assert.equal(seen['x-request-id'], 'r');
    const timeout = /^(\d+)m$/.exec(String(seen['grpc-timeout']));
    assert.ok(timeout && Number(timeout[1]) > 59_000 && Number(timeout[1]) <= 60_000, String(seen['grpc-timeout']));
  } finally {
    server.close();
  }
});

test('a server gone is FERRY_ERR_UPSTREAM_CONNECT; back on the same port, the next call reconnects', async () => {
  const first = await h2Server();
  const port = first.port;
  handler = (stream) => answer(stream, [structReply('n', '1')]);
  assert.equal((await whoami(port)).kind, 'value');
  for (const session of first.sessions) session.destroy();
  await new Promise<void>((resolve) => first.server.close(() => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the client has seen its connection close
  const err = await failure(whoami(port));
  assert.equal(err.code, 'FERRY_ERR_UPSTREAM_CONNECT', err.message);
  const second = await h2Server(port);
  try {
    handler = (stream) => answer(stream, [structReply('n', '2')]);
    const reply = await whoami(port);
    assert.deepEqual(reply.kind === 'value' && reply.value, { n: '2' });
  } finally {
    second.server.close();
  }
});
