/**
 * The frame loop both Dubbo directions share (DubboChannel), over a real loopback socket pair.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DubboChannel, type ChannelHandlers } from '../../../../src/protocols/dubbo/channel.js';
import { FrameDecoder, encodeFrame, encodeHeartbeatRequest, type DubboFrame } from '../../../../src/protocols/dubbo/codec.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { eventually } from '../../../support/helpers.js';

const logger = createLogger('silent');

interface Pair {
  channel: DubboChannel;
  /** The raw peer: what it received, decoded. */
  peer: Socket;
  received: DubboFrame[];
  closedWith: string[];
  requests: DubboFrame[];
  responses: DubboFrame[];
  close(): Promise<void>;
}

async function pair(heartbeatMs = 60_000, handlers: Partial<ChannelHandlers> = {}): Promise<Pair> {
  const requests: DubboFrame[] = [];
  const responses: DubboFrame[] = [];
  const closedWith: string[] = [];
  let channel: DubboChannel | undefined;
  const server = createServer((socket) => {
    channel = new DubboChannel(
      socket,
      { peerRole: 'consumer', peer: 'test', maxPayload: 1024, heartbeatMs, logger },
      { request: (f) => requests.push(f), response: (f) => responses.push(f), closed: (r) => closedWith.push(r), ...handlers },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const peer = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  const received: DubboFrame[] = [];
  const decoder = new FrameDecoder();
  peer.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk)));
  peer.on('error', () => {});
  await eventually(() => channel);
  return {
    channel: channel!,
    peer,
    received,
    closedWith,
    requests,
    responses,
    close: async () => {
      peer.destroy();
      channel!.close('test over');
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('frames sent in the tick of close still leave (the last answers of a drain)', async () => {
  const p = await pair();
  try {
    p.channel.send(encodeFrame({ request: false, id: 1n, body: Buffer.from([0x91]) }));
    p.channel.send(encodeFrame({ request: false, id: 2n, body: Buffer.from([0x92]) }));
    p.channel.close('done');
    await eventually(() => p.received.length === 2, 2000);
    assert.deepEqual(p.closedWith, ['done']);
    assert.equal(p.channel.closed, true);
  } finally {
    await p.close();
  }
});

test('heartbeats are answered in their serialization; calls go to the owner; another serialization gets a 40', async () => {
  const p = await pair();
  try {
    p.peer.write(encodeHeartbeatRequest(5n));
    const fastjson2Null = Buffer.from([0, 0, 0, 1, 0xaf]);
    p.peer.write(encodeFrame({ request: true, twoWay: true, event: true, id: 6n, serializationId: 23, body: fastjson2Null }));
    p.peer.write(encodeFrame({ request: true, twoWay: true, id: 7n, body: Buffer.from([0x4e]) }));
    p.peer.write(encodeFrame({ request: true, twoWay: true, id: 8n, serializationId: 23, body: Buffer.from([0x4e]) }));
    p.peer.write(encodeFrame({ request: false, id: 9n, body: Buffer.from([0x4e]) }));
    await eventually(() => p.received.length === 3 && p.requests.length === 1 && p.responses.length === 1, 2000);
    assert.deepEqual(
      p.received.map((f) => [f.id, f.event, f.status, f.serializationId]),
      [
        [5n, true, 20, 2],
        [6n, true, 20, 23],
        [8n, false, 40, 2],
      ],
    );
    assert.equal(p.received[1]!.body.toString('hex'), '00000001af');
    assert.deepEqual([p.requests[0]!.id, p.responses[0]!.id], [7n, 9n]);
  } finally {
    await p.close();
  }
});

test('read-only events reach the owner; a malformed stream closes the connection after the answers before it', async () => {
  const readonly: boolean[] = [];
  const p = await pair(60_000, { readonly: (r) => readonly.push(r) });
  try {
    const answer = encodeFrame({ request: false, id: 3n, body: Buffer.from([0x4e]) });
    const fastjson2R = Buffer.from([0, 0, 0, 2, 0x4a, 0x52]);
    const readonlyEvent = encodeFrame({ request: true, event: true, id: 4n, serializationId: 23, body: fastjson2R });
    p.peer.write(Buffer.concat([readonlyEvent, answer, Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    await eventually(() => p.closedWith.length === 1, 2000);
    assert.deepEqual(readonly, [true]);
    assert.deepEqual(
      p.responses.map((f) => f.id),
      [3n],
    );
    assert.match(p.closedWith[0]!, /malformed frame: bad magic/);
  } finally {
    await p.close();
  }
});

test('a quiet peer gets heartbeats, a silent one is closed after 3 × heartbeatMs', async () => {
  const p = await pair(100);
  try {
    await eventually(() => p.received.some((f) => f.request && f.event && f.twoWay), 2000);
    await eventually(() => p.closedWith.length === 1, 3000);
    assert.match(p.closedWith[0]!, /no data from the consumer for \d+ ms/);
  } finally {
    await p.close();
  }
});
