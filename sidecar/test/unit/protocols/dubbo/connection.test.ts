/**
 * DubboConnection / ConnectionPool against a scripted fake provider (a plain TCP server): events in the forms
 * real providers send them (a Dubbo 3.2 provider at its defaults writes its read-only event in fastjson2),
 * answers in a serialization Ferry cannot read, heartbeats, a provider that dies mid-call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  FrameDecoder,
  FASTJSON2,
  decodeEvent,
  encodeFrame,
  encodeHeartbeatResponse,
  type DubboFrame,
} from '../../../../src/protocols/dubbo/codec.js';
import { decodeResponseBody, encodeResponseBody } from '../../../../src/protocols/dubbo/body.js';
import { DubboConnection } from '../../../../src/protocols/dubbo/connection.js';
import { ConnectionPool } from '../../../../src/protocols/dubbo/pool.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { FerryError } from '../../../../src/errors.js';
import type { Endpoint } from '../../../../src/discovery/types.js';

const logger = createLogger('silent');
const frame = (body: number[], serializationId = 2): DubboFrame => ({
  request: true,
  twoWay: false,
  event: true,
  serializationId,
  status: 0,
  id: 1n,
  body: Buffer.from(body),
});

test('decodeEvent: heartbeat and read-only/writeable events in hessian2, fastjson2 and JSON text', () => {
  assert.equal(decodeEvent(frame([0x4e])).kind, 'heartbeat');
  assert.equal(decodeEvent(frame([0x01, 0x52])).kind, 'readonly');
  assert.equal(decodeEvent(frame([0x01, 0x57])).kind, 'writeable');
  assert.equal(decodeEvent(frame([0x01, 0x48])).kind, 'heartbeat');
  // fastjson2: 4-byte length + JSONB (captured from Dubbo 3.2.19: 00 00 00 02 4a 52)
  assert.equal(decodeEvent(frame([0, 0, 0, 2, 0x4a, 0x52], FASTJSON2)).kind, 'readonly');
  assert.equal(decodeEvent(frame([0, 0, 0, 2, 0x4a, 0x57], FASTJSON2)).kind, 'writeable');
  assert.equal(decodeEvent(frame([0, 0, 0, 1, 0xaf], FASTJSON2)).kind, 'heartbeat');
  // JSON text serializations
  assert.equal(decodeEvent(frame([...Buffer.from('"R"\n')], 6)).kind, 'readonly');
  assert.equal(decodeEvent(frame([...Buffer.from('null')], 16)).kind, 'heartbeat');
  assert.equal(decodeEvent(frame([0x01, 0x58])).kind, 'other');
  assert.throws(() => decodeEvent(frame(new Array(16).fill(0))), /event body of 16 bytes/);
});

interface FakeProvider {
  server: Server;
  endpoint: Endpoint;
  sockets: Socket[];
  requests: DubboFrame[];
  close(): Promise<void>;
}

/** A TCP server speaking just enough Dubbo: `onRequest` decides what to write back for each frame. */
async function fakeProvider(onRequest: (f: DubboFrame, socket: Socket) => void): Promise<FakeProvider> {
  const sockets: Socket[] = [];
  const requests: DubboFrame[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        requests.push(f);
        onRequest(f, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    sockets,
    requests,
    endpoint: { id: `127.0.0.1:${port}`, address: `127.0.0.1:${port}`, host: '127.0.0.1', port, weight: 100, params: {} },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const okAnswer = (id: bigint, value: string) =>
  encodeFrame({ request: false, id, body: encodeResponseBody({ kind: 'value', value }, true) });
const signal = () => new AbortController().signal;

test('a read-only event in fastjson2 (Dubbo 3.2 defaults) marks the connection: the pool stops offering it', async () => {
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    socket.write(okAnswer(f.id, 'ok'));
    // then the provider starts shutting down: one-way event, fastjson2, as a 3.2 provider writes it
    socket.write(
      encodeFrame({
        request: true,
        twoWay: false,
        event: true,
        id: 99n,
        serializationId: FASTJSON2,
        body: Buffer.from([0, 0, 0, 2, 0x4a, 0x52]),
      }),
    );
  });
  const pool = new ConnectionPool({ size: 1, maxPayload: 1 << 20, heartbeatMs: 60000, connectTimeoutMs: 1000, logger });
  try {
    const conn = await pool.get(p.endpoint);
    const answer = await conn.request(Buffer.from([0x4e]), true, signal());
    assert.equal((decodeResponseBody(answer!.body) as { value: unknown }).value, 'ok');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(conn.readonly, true);
    assert.equal(pool.available(p.endpoint), false);
  } finally {
    pool.close();
    await p.close();
  }
});

test('an answer in a serialization Ferry does not read fails that call only (FERRY_ERR_UPSTREAM_PROTOCOL)', async () => {
  let n = 0;
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    if (n++ === 0)
      socket.write(encodeFrame({ request: false, id: f.id, serializationId: FASTJSON2, body: Buffer.from([0, 0, 0, 1, 0xaf]) }));
    else socket.write(okAnswer(f.id, 'second'));
  });
  const conn = new DubboConnection({
    host: '127.0.0.1',
    port: p.endpoint.port,
    id: p.endpoint.id,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
  });
  try {
    await assert.rejects(
      conn.request(Buffer.from([0x4e]), true, signal()),
      (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_PROTOCOL' && /serialization id 23/.test(e.message),
    );
    const second = await conn.request(Buffer.from([0x4e]), true, signal());
    assert.equal((decodeResponseBody(second!.body) as { value: unknown }).value, 'second');
    assert.equal(conn.closed, false);
  } finally {
    conn.close();
    await p.close();
  }
});

test('idle connection: heartbeats go out, answered ones keep it open; a silent provider gets it closed', async () => {
  const answering = await fakeProvider((f, socket) => {
    if (f.event && f.twoWay) socket.write(encodeHeartbeatResponse(f.id));
  });
  const silent = await fakeProvider(() => {});
  const mk = (p: FakeProvider) =>
    new DubboConnection({
      host: '127.0.0.1',
      port: p.endpoint.port,
      id: p.endpoint.id,
      maxPayload: 1 << 20,
      heartbeatMs: 100,
      connectTimeoutMs: 1000,
      logger,
    });
  const a = mk(answering);
  const s = mk(silent);
  try {
    await Promise.all([a.open(), s.open()]);
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(answering.requests.filter((f) => f.event).length >= 2, 'heartbeats sent');
    assert.equal(a.closed, false);
    assert.ok(silent.requests.filter((f) => f.event).length >= 1);
    assert.equal(s.closed, true, 'no answer for 3 x heartbeatMs: closed');
  } finally {
    a.close();
    s.close();
    await answering.close();
    await silent.close();
  }
});

test('a provider that dies mid-call: the call fails with FERRY_ERR_UPSTREAM_RESET (it may have run), not a retryable error', async () => {
  const p = await fakeProvider((f, socket) => {
    if (!f.event) socket.destroy();
  });
  const conn = new DubboConnection({
    host: '127.0.0.1',
    port: p.endpoint.port,
    id: p.endpoint.id,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
  });
  try {
    await assert.rejects(
      conn.request(Buffer.from([0x4e]), true, signal()),
      (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_RESET' && !e.retryable,
    );
    // a call on the closed connection never reached the provider: retryable
    await assert.rejects(
      conn.request(Buffer.from([0x4e]), true, signal()),
      (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_CONNECT' && e.retryable,
    );
  } finally {
    conn.close();
    await p.close();
  }
});

test('the app going away (a non-Ferry abort reason) is "cancelled", not an upstream timeout; Ferry\'s deadline is a timeout', async () => {
  const p = await fakeProvider(() => {}); // never answers
  const conn = new DubboConnection({
    host: '127.0.0.1',
    port: p.endpoint.port,
    id: p.endpoint.id,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
  });
  try {
    const gone = new AbortController();
    const call = conn.request(Buffer.from([0x4e]), true, gone.signal);
    setTimeout(() => gone.abort(new Error('the app closed the connection')), 20);
    await assert.rejects(call, (e: FerryError) => e.code === 'FERRY_ERR_CANCELLED');
    const deadline = new AbortController();
    const timed = conn.request(Buffer.from([0x4e]), true, deadline.signal);
    setTimeout(() => deadline.abort(new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT')), 20);
    await assert.rejects(timed, (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.equal(conn.inFlight, 0);
  } finally {
    conn.close();
    await p.close();
  }
});

test('the pool reports connections opened and closed, and frames it could not decode (metrics)', async () => {
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    socket.write(Buffer.from('not a dubbo frame at all'));
  });
  const events: string[] = [];
  const pool = new ConnectionPool({
    size: 1,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
    onConnection: (endpoint, delta) => events.push(`${endpoint} ${delta}`),
    onDecodeError: () => events.push('decode error'),
  });
  try {
    const conn = await pool.get(p.endpoint);
    await assert.rejects(conn.request(Buffer.from([0x4e]), true, signal()), { code: 'FERRY_ERR_UPSTREAM_RESET' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(events, [`${p.endpoint.id} 1`, 'decode error', `${p.endpoint.id} -1`]);
  } finally {
    pool.close();
    await p.close();
  }
});

test('a provider leaving discovery: its calls in flight still get their answers, then the connection closes', async () => {
  let answer: (() => void) | undefined;
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    answer = () => socket.write(okAnswer(f.id, 'late but fine'));
  });
  const pool = new ConnectionPool({ size: 1, maxPayload: 1 << 20, heartbeatMs: 60000, connectTimeoutMs: 1000, logger });
  try {
    const conn = await pool.get(p.endpoint);
    const call = conn.request(Buffer.from([0x4e]), true, signal());
    await new Promise((r) => setTimeout(r, 50));
    pool.forget(p.endpoint); // its node disappeared from ZooKeeper (a graceful stop unregisters first)
    assert.equal(conn.closed, false, 'not cut off while a call is in flight');
    await assert.rejects(
      conn.request(Buffer.from([0x4e]), true, signal()),
      (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_CONNECT',
      'no new calls',
    );
    answer!();
    const frame = await call;
    assert.equal((decodeResponseBody(frame!.body) as { value: unknown }).value, 'late but fine');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(conn.closed, true, 'closed once idle');
  } finally {
    pool.close();
    await p.close();
  }
});

test('a frame that never completes (a wrong length) closes the connection ' +
  'once a later call times out behind it; the pool reconnects', async () => {
  let n = 0;
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    // the first answer claims 1000 bytes and sends 20: everything after it is swallowed as its body
    if (n++ === 0) socket.write(encodeFrame({ request: false, id: f.id, body: Buffer.alloc(1000) }).subarray(0, 36));
    else socket.write(okAnswer(f.id, `answer ${n}`));
  });
  let decodeErrors = 0;
  const pool = new ConnectionPool({
    size: 1,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
    onDecodeError: () => decodeErrors++,
  });
  // (300 ms: the half frame, written at once by the provider, must have arrived before the second call leaves)
  const timedCall = async (conn: DubboConnection) => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT')), 300);
    return conn.request(Buffer.from([0x4e]), true, deadline.signal);
  };
  try {
    const conn = await pool.get(p.endpoint);
    // the half frame may be this call's own answer, still arriving: no verdict yet
    await assert.rejects(timedCall(conn), (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.equal(conn.closed, false);
    // a call sent after it began, timed out behind it: the stream is out of sync
    await assert.rejects(timedCall(conn), (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_TIMEOUT');
    assert.equal(conn.closed, true);
    assert.equal(decodeErrors, 1);
    const fresh = await pool.get(p.endpoint);
    assert.notEqual(fresh, conn);
    const answer = await fresh.request(Buffer.from([0x4e]), true, signal());
    assert.match(String((decodeResponseBody(answer!.body) as { value: unknown }).value), /^answer \d$/);
  } finally {
    pool.close();
    await p.close();
  }
});

test('answers that arrived whole before garbage in the same chunk ' +
  'still answer their calls; the rest fail, the connection closes', async () => {
  const held: DubboFrame[] = [];
  const p = await fakeProvider((f, socket) => {
    if (f.event) return;
    held.push(f);
    if (held.length < 2) return;
    // one write: the first call's answer, then bytes that are no Dubbo frame
    socket.write(Buffer.concat([okAnswer(held[0]!.id, 'first'), Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')]));
  });
  const conn = new DubboConnection({
    host: '127.0.0.1',
    port: p.endpoint.port,
    id: p.endpoint.id,
    maxPayload: 1 << 20,
    heartbeatMs: 60000,
    connectTimeoutMs: 1000,
    logger,
  });
  try {
    const first = conn.request(Buffer.from([0x4e]), true, signal());
    const second = conn.request(Buffer.from([0x4e]), true, signal());
    assert.equal((decodeResponseBody((await first)!.body) as { value: unknown }).value, 'first');
    await assert.rejects(second, (e: FerryError) => e.code === 'FERRY_ERR_UPSTREAM_RESET' && /bad magic/.test(e.message));
    assert.equal(conn.closed, true);
  } finally {
    conn.close();
    await p.close();
  }
});
