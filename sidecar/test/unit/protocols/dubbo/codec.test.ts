import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  FrameDecoder,
  FrameError,
  RequestIdAllocator,
  decodeEvent,
  encodeFrame,
  encodeHeartbeatRequest,
  encodeHeartbeatResponse,
  encodeReadonlyEvent,
} from '../../../../src/protocols/dubbo/codec.js';
import { errorCodeForStatus, statusError, statusForErrorCode, DubboStatus } from '../../../../src/protocols/dubbo/status.js';
import {
  GENERIC_PARAMETER_DESC,
  decodeErrorBody,
  decodeRequestBody,
  decodeResponseBody,
  encodeErrorBody,
  encodeRequestBody,
  encodeResponseBody,
  genericInvokeArgs,
  intVersion,
  supportsResponseAttachments,
} from '../../../../src/protocols/dubbo/body.js';
import { encodeException, fromJava, toJava, JavaObject, decodeException } from '../../../../src/protocols/hessian/index.js';

test('heartbeat frames are byte-exact', () => {
  assert.equal(encodeHeartbeatRequest(7n).toString('hex'), 'dabbe200' + '0000000000000007' + '00000001' + '4e');
  assert.equal(encodeHeartbeatResponse(7n).toString('hex'), 'dabb2214' + '0000000000000007' + '00000001' + '4e');
  assert.equal(encodeReadonlyEvent(1n).toString('hex'), 'dabba200' + '0000000000000001' + '00000002' + '0152');
});

test('request flags: two-way 0xc2, one-way 0x82; responses carry status', () => {
  const two = encodeFrame({ request: true, twoWay: true, id: 1n, body: Buffer.from([1]) });
  assert.equal(two[2], 0xc2);
  const one = encodeFrame({ request: true, id: 1n, body: Buffer.alloc(0) });
  assert.equal(one[2], 0x82);
  const res = encodeFrame({ request: false, status: 70, id: -5n, body: Buffer.alloc(0) });
  assert.equal(res[2], 0x02);
  assert.equal(res[3], 70);
  const [f] = new FrameDecoder().push(res);
  assert.equal(f!.id, -5n);
  assert.equal(f!.request, false);
  assert.equal(f!.status, 70);
});

test('FrameDecoder: partial frames, byte by byte, several frames in one chunk', () => {
  const a = encodeFrame({ request: true, twoWay: true, id: 1n, body: Buffer.from('hello') });
  const b = encodeHeartbeatRequest(2n);
  const c = encodeFrame({ request: false, id: 3n, body: Buffer.alloc(1000, 7) });
  const all = Buffer.concat([a, b, c]);
  // one chunk
  assert.deepEqual(new FrameDecoder().push(all).map((f) => f.id), [1n, 2n, 3n]);
  // byte by byte
  const d = new FrameDecoder();
  const got: bigint[] = [];
  for (const byte of all) for (const f of d.push(Buffer.from([byte]))) got.push(f.id);
  assert.deepEqual(got, [1n, 2n, 3n]);
  assert.equal(d.buffered, 0);
  // split in the middle of a header and a body
  const e = new FrameDecoder();
  assert.equal(e.push(all.subarray(0, 10)).length, 0);
  const mid = e.push(all.subarray(10, a.length + b.length + 20));
  assert.deepEqual(mid.map((f) => f.body.toString('latin1').slice(0, 5)), ['hello', 'N']);
  const rest = e.push(all.subarray(a.length + b.length + 20));
  assert.equal(rest[0]!.body.length, 1000);
  assert.equal(decodeEvent(mid[1]!).kind, 'heartbeat');
});

test('FrameDecoder refuses bad magic and oversized payloads from the header alone', () => {
  assert.throws(
    () => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n')),
    (e: unknown) => e instanceof FrameError && e.code === 'BAD_MAGIC',
  );
  const header = encodeFrame({ request: true, twoWay: true, id: 1n, body: Buffer.alloc(0) });
  header.writeInt32BE(2048, 12);
  assert.throws(
    () => new FrameDecoder({ maxPayload: 1024 }).push(header),
    (e: unknown) => e instanceof FrameError && e.code === 'PAYLOAD_TOO_LARGE' && !e.recoverable,
  );
  header.writeInt32BE(-1, 12);
  assert.throws(() => new FrameDecoder().push(header), (e: unknown) => e instanceof FrameError && e.code === 'BAD_LENGTH');
  // default limit is 8 MiB
  header.writeInt32BE(8 * 1024 * 1024 + 1, 12);
  assert.throws(() => new FrameDecoder().push(header), /exceeds/);
});

test('FrameDecoder marks (but frames) other serializations', () => {
  const f = encodeFrame({ request: true, twoWay: true, serializationId: 23, id: 9n, body: Buffer.from([1, 2]) });
  const frames = new FrameDecoder().push(Buffer.concat([f, encodeHeartbeatRequest(10n)]));
  assert.equal(frames.length, 2);
  assert.equal(frames[0]!.rejected?.code, 'UNSUPPORTED_SERIALIZATION');
  assert.equal(frames[1]!.rejected, undefined);
});

test('request ids wrap like a Java long', () => {
  const ids = new RequestIdAllocator(2n ** 63n - 1n);
  assert.equal(ids.next(), 2n ** 63n - 1n);
  assert.equal(ids.next(), -(2n ** 63n));
  const f = new FrameDecoder().push(encodeFrame({ request: true, id: 2n ** 63n - 1n, body: Buffer.alloc(0) }));
  assert.equal(f[0]!.id, 2n ** 63n - 1n);
});

test('status table maps both ways', () => {
  assert.equal(errorCodeForStatus(30), 'FERRY_ERR_UPSTREAM_TIMEOUT');
  assert.equal(errorCodeForStatus(31), 'FERRY_ERR_UPSTREAM_TIMEOUT');
  assert.equal(errorCodeForStatus(40), 'FERRY_ERR_UPSTREAM_BAD_REQUEST');
  assert.equal(errorCodeForStatus(50), 'FERRY_ERR_UPSTREAM_BAD_RESPONSE');
  assert.equal(errorCodeForStatus(60), 'FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND');
  assert.equal(errorCodeForStatus(70), 'FERRY_ERR_UPSTREAM_SERVICE_ERROR');
  assert.equal(errorCodeForStatus(80), 'FERRY_ERR_UPSTREAM_SERVER_ERROR');
  assert.equal(errorCodeForStatus(90), 'FERRY_ERR_UPSTREAM_CLIENT_ERROR');
  assert.equal(errorCodeForStatus(100), 'FERRY_ERR_UPSTREAM_OVERLOADED');
  assert.equal(errorCodeForStatus(77), 'FERRY_ERR_UPSTREAM_PROTOCOL');
  const e = statusError(60, 'Not found exported service', '1.2.3.4:20880');
  assert.equal(e.code, 'FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND');
  assert.equal(e.upstream?.status, 60);
  assert.equal(statusForErrorCode('FERRY_ERR_UPSTREAM_OVERLOADED'), DubboStatus.SERVER_THREADPOOL_EXHAUSTED_ERROR);
  // Ferry refusing a consumer's call at once (load shedding, a bulkhead) is the thread pool's overload answer
  assert.equal(statusForErrorCode('FERRY_ERR_OVERLOADED'), DubboStatus.SERVER_THREADPOOL_EXHAUSTED_ERROR);
  assert.equal(statusForErrorCode('FERRY_ERR_CONCURRENCY_LIMIT'), DubboStatus.SERVER_THREADPOOL_EXHAUSTED_ERROR);
  assert.equal(statusForErrorCode('FERRY_ERR_BAD_ARGUMENTS'), 40);
  assert.equal(statusForErrorCode('FERRY_ERR_INTERNAL'), 80);
});

test('response attachments follow the request version (Version.isSupportResponseAttachment)', () => {
  assert.equal(intVersion('2.0.2'), 2000200);
  assert.equal(intVersion('2.7.3'), 2070300);
  assert.equal(intVersion('2.5.3.6'), 2050306);
  assert.equal(supportsResponseAttachments('2.0.2'), true);
  assert.equal(supportsResponseAttachments('2.0.99'), true);
  assert.equal(supportsResponseAttachments('2.7.3'), false);
  assert.equal(supportsResponseAttachments('2.5.3.6'), false);
  assert.equal(supportsResponseAttachments(undefined), false);
});

test('request body round trip (typed)', () => {
  const body = encodeRequestBody({
    dubboVersion: '2.0.2',
    path: 'com.example.DemoService',
    version: '1.0.0',
    method: 'find',
    parameterDesc: 'Ljava/lang/String;J',
    args: [toJava('x', 'java.lang.String'), toJava('9007199254740993', 'long')],
    attachments: { path: 'com.example.DemoService', interface: 'com.example.DemoService', version: '1.0.0', group: 'g1', timeout: '3000' },
  });
  // starts with the version string "2.0.2"
  assert.equal(body.subarray(0, 6).toString('latin1'), '\x052.0.2');
  const req = decodeRequestBody(body);
  assert.equal(req.path, 'com.example.DemoService');
  assert.equal(req.method, 'find');
  assert.equal(req.parameterDesc, 'Ljava/lang/String;J');
  assert.deepEqual(req.args, ['x', 9007199254740993n]);
  assert.equal(req.attachments.group, 'g1');
  assert.equal(req.attachments.dubbo, '2.0.2');
});

test('generic $invoke request body', () => {
  const args = genericInvokeArgs(
    'save',
    ['com.example.User', 'java.util.List<java.lang.Long>', 'int[]'],
    [{ id: '12', name: 'a' }, [1, '2'], [1, 2]],
  );
  const body = encodeRequestBody({
    dubboVersion: '2.0.2',
    path: 'com.example.UserService',
    version: '0.0.0',
    method: '$invoke',
    parameterDesc: GENERIC_PARAMETER_DESC,
    args,
    attachments: { generic: 'true', interface: 'com.example.UserService', path: 'com.example.UserService', version: '0.0.0' },
  });
  const req = decodeRequestBody(body);
  assert.equal(req.args.length, 3);
  assert.equal(req.args[0], 'save');
  assert.deepEqual([...(req.args[1] as string[])], ['com.example.User', 'java.util.List', 'int[]']);
  const values = fromJava(req.args[2]) as unknown[];
  assert.deepEqual(JSON.parse(JSON.stringify(values)), [{ id: '12', name: 'a' }, [1, 2], [1, 2]]);
});

test('response bodies: all six flags', () => {
  for (const withAtt of [false, true]) {
    const v = decodeResponseBody(
      encodeResponseBody({ kind: 'value', value: toJava('ok', 'java.lang.String'), attachments: { a: 'b' } }, withAtt),
    );
    assert.equal(v.kind, 'value');
    assert.equal(v.kind === 'value' && v.value, 'ok');
    assert.equal(v.attachments.dubbo, withAtt ? '2.0.2' : undefined);
    const n = decodeResponseBody(encodeResponseBody({ kind: 'null' }, withAtt));
    assert.equal(n.kind, 'null');
    const x = decodeResponseBody(
      encodeResponseBody(
        { kind: 'exception', exception: encodeException({ className: 'java.lang.IllegalStateException', message: 'nope' }) },
        withAtt,
      ),
    );
    assert.equal(x.kind, 'exception');
    assert.ok(x.kind === 'exception' && x.exception instanceof JavaObject);
    const ex = decodeException(x.kind === 'exception' ? x.exception : null, (y) => fromJava(y));
    assert.deepEqual(ex, { exceptionClass: 'java.lang.IllegalStateException', message: 'nope', fields: {} });
  }
  // flags on the wire are compact ints 0x90..0x95
  assert.equal(encodeResponseBody({ kind: 'null' }, false)[0], 0x92);
  assert.equal(encodeResponseBody({ kind: 'null' }, true)[0], 0x95);
  assert.throws(() => decodeResponseBody(Buffer.from([0x99])), /flag/);
});

test('error bodies are one Hessian string', () => {
  assert.equal(decodeErrorBody(encodeErrorBody('Not found exported service: x')), 'Not found exported service: x');
  assert.equal(decodeErrorBody(Buffer.alloc(0)), '');
});

// ------------------------------------------------------------------ golden frames captured from real Java Dubbo
const fixtures = fileURLToPath(new URL('../../../../../test/fixtures/dubbo/', import.meta.url));
test('golden frames from Java Dubbo decode', { skip: !existsSync(fixtures) && 'no fixtures captured yet' }, () => {
  for (const name of readdirSync(fixtures).filter((n) => n.endsWith('.bin'))) {
    const frames = new FrameDecoder().push(readFileSync(fixtures + name));
    assert.ok(frames.length >= 1, name);
    for (const f of frames) {
      if (f.event) {
        decodeEvent(f);
        continue;
      }
      if (f.request) {
        const r = decodeRequestBody(f.body);
        assert.ok(r.method, name);
      } else if (f.status === 20) {
        decodeResponseBody(f.body);
      } else {
        assert.equal(typeof decodeErrorBody(f.body), 'string');
      }
    }
  }
});
