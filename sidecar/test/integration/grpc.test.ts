/**
 * gRPC through the real sidecar against a real @grpc/grpc-js server (sidecar/test/fixtures/grpc/lab.proto):
 * every proto3 field kind round-tripping, well-known types, a server stream of 1,000 messages arriving
 * incrementally, deadlines, status mapping with details, metadata.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { isAbsolute, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { request } from 'undici';
import { HEADERS, NDJSON, invokePath, type ErrorBody } from '@ferry/sdk/contract';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar, type Sidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { rpcTypes } from '../../src/protocols/grpc/status.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/grpc/', import.meta.url));
const INCLUDE = join(FIXTURES, 'include');

type Obj = Record<string, unknown>;

let server: grpc.Server;
let port = 0;
let ferry: Sidecar;
let ferryUrl = '';
const seen: { echo?: Obj; whoami?: Obj; deadline?: number; ticksSent: number; cancelled: number } = { ticksSent: 0, cancelled: 0 };
let releaseTicks: () => void = () => {};

function gate(): Promise<void> {
  return new Promise<void>((resolve) => (releaseTicks = resolve));
}

const asIs = (b: Buffer) => b;

before(async () => {
  const loaderOptions = {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: String,
    defaults: false,
    oneofs: true,
    includeDirs: [INCLUDE],
  };
  const definition = protoLoader.loadSync(join(FIXTURES, 'lab.proto'), loaderOptions);
  const lab = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { test: { Lab: grpc.ServiceClientConstructor } } }).ferry.test
    .Lab;
  // The server's own protobufjs view, independent of Ferry's mapping, to build and read messages.
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    isAbsolute(target)
      ? target
      : target.startsWith('shared/')
        ? join(INCLUDE, target)
        : target.startsWith('google/')
          ? target
          : join(FIXTURES, target);
  root.loadSync(join(FIXTURES, 'lab.proto'), { keepCase: true });
  root.resolveAll();
  const Everything = root.lookupType('ferry.test.Everything');
  const Address = root.lookupType('ferry.shared.Address');
  const ErrorInfo = rpcTypes('google.rpc.ErrorInfo')!;
  const BadRequest = rpcTypes('google.rpc.BadRequest')!;
  const RpcStatus = rpcTypes('google.rpc.Status')!;

  // Echo answers the exact bytes it got (so the round trip tests Ferry's two directions), after decoding them
  // with protobufjs for the assertions about what reached the server.
  const service: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...lab.service };
  service.Echo = { ...lab.service.Echo!, requestDeserialize: asIs, responseSerialize: asIs } as grpc.MethodDefinition<unknown, unknown>;
  service.Sample = { ...lab.service.Sample!, responseSerialize: asIs } as grpc.MethodDefinition<unknown, unknown>;

  server = new grpc.Server();
  server.addService(service, {
    Echo(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      seen.echo = Everything.toObject(Everything.decode(call.request), { longs: String, enums: String, bytes: String, oneofs: true });
      callback(null, call.request);
    },
    Sample(_call: grpc.ServerUnaryCall<unknown, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      const message = Everything.fromObject({
        scalars: {
          f_double: -0.25,
          f_float: 3.4028234663852886e38,
          f_int32: 2147483647,
          f_int64: '9223372036854775807',
          f_uint32: 0,
          f_uint64: '18446744073709551615',
          f_sint32: -1,
          f_sint64: '-9223372036854775808',
          f_fixed32: 4294967295,
          f_fixed64: '9007199254740993',
          f_sfixed32: -2147483648,
          f_sfixed64: '-9007199254740993',
          f_bool: false,
          f_string: '',
          f_bytes: Buffer.from('ferry'),
        },
        ids: ['9007199254740993', '-9007199254740993'],
        colors: ['BLUE', 'RED'],
        names_by_id: { '9007199254740993': 'big', '-7': 'negative' },
        flags: { true: 'on' },
        number: 0,
        color: 'BLUE',
        at: { seconds: '0', nanos: 0 },
        took: { seconds: '90', nanos: 500000000 },
        maybe_count: { value: '0' },
        attributes: { fields: { k: { listValue: { values: [{ numberValue: 1 }, { nullValue: 0 }] } } } },
        extra: {
          type_url: 'type.googleapis.com/ferry.shared.Address',
          value: Address.encode(Address.fromObject({ street: 'in any', zip: 7 })).finish(),
        },
        mask: { paths: ['scalars.f_int64', 'names_by_id'] },
      });
      callback(null, Buffer.from(Everything.encode(message).finish()));
    },
    Fail(call: grpc.ServerUnaryCall<Obj, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const { code, message, with_details } = call.request as { code: number; message: string; with_details?: boolean };
      const metadata = new grpc.Metadata();
      if (with_details) {
        const details = [
          {
            type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
            value: ErrorInfo.encode(
              ErrorInfo.fromObject({ reason: 'STOCK_EMPTY', domain: 'lab.ferry', metadata: { sku: 'A-1' } }),
            ).finish(),
          },
          {
            type_url: 'type.googleapis.com/google.rpc.BadRequest',
            value: BadRequest.encode(BadRequest.fromObject({ field_violations: [{ field: 'code', description: 'must be odd' }] })).finish(),
          },
        ];
        metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode(RpcStatus.fromObject({ code, message, details })).finish()));
      }
      callback({ code, details: message, metadata });
    },
    Ticks(call: grpc.ServerWritableStream<{ n: number; mode?: string }, unknown>) {
      const { n, mode = '' } = call.request;
      call.on('cancelled', () => seen.cancelled++);
      if (n < 0) {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'n must not be negative' });
        return;
      }
      const failAfter = /^fail-after-(\d+)$/.exec(mode);
      const tick = (seq: number) => {
        call.write({ seq, at: { seconds: String(1_700_000_000 + seq), nanos: seq }, payload: `tick ${seq}` });
        seen.ticksSent = seq + 1;
      };
      void (async () => {
        seen.ticksSent = 0;
        const waiting = mode === 'wait' ? gate() : Promise.resolve();
        for (let seq = 0; seq < n; seq++) {
          if (failAfter && seq === Number(failAfter[1])) {
            call.emit('error', { code: grpc.status.ABORTED, details: `stopped after ${seq}` });
            return;
          }
          if (call.cancelled) return;
          tick(seq);
          if (seq === 0) await waiting;
          if (mode === 'slow') await new Promise((r) => setTimeout(r, 20));
        }
        call.end();
      })();
    },
    Slow(call: grpc.ServerUnaryCall<{ ms: number }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const deadline = call.getDeadline();
      seen.deadline = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      setTimeout(() => callback(null, {}), call.request.ms);
    },
    Whoami(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const fields: Obj = {};
      for (const [key, value] of Object.entries(call.metadata.getMap())) {
        fields[key] = { stringValue: typeof value === 'string' ? value : Buffer.from(value).toString('base64') };
      }
      seen.whoami = fields;
      callback(null, { fields });
    },
    Upload(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      callback(null, {});
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  // Relative proto paths: resolved against the config's folder (here the fixtures folder).
  const config = parseConfig(
    `
listen: { port: 0 }
admin: { enabled: false }
defaults: { retries: 0 }
services:
  lab:
    protocol: grpc
    endpoints: ["127.0.0.1:${port}"]
    proto: [lab.proto]
    includeDirs: [include]
    service: ferry.test.Lab
    timeoutMs: 5000
  lab-tri:
    protocol: grpc
    endpoints: ["tri://127.0.0.1:${port}"]
    proto: [lab.proto]
    includeDirs: [include]
    service: ferry.test.Lab
    triVersion: 1.0.0
    triGroup: blue
  lab-quick:
    protocol: grpc
    endpoints: ["127.0.0.1:${port}"]
    proto: [lab.proto]
    includeDirs: [include]
    service: ferry.test.Lab
    timeoutMs: 300
`,
    'grpc test config',
    {},
    {},
    FIXTURES,
  );
  ferry = await createSidecar({ config, logger: createLogger(process.env.FERRY_TEST_LOG ?? 'silent') });
  ferryUrl = `http://127.0.0.1:${(await ferry.start()).port}`;
});

after(async () => {
  await ferry?.close();
  server?.forceShutdown();
});

async function invoke(service: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${ferryUrl}${invokePath(service, method)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined, text };
}

const everything = {
  scalars: {
    fDouble: 3.141592653589793,
    fFloat: 0.1,
    fInt32: -2147483648,
    fInt64: '-9223372036854775808',
    fUint32: 4294967295,
    fUint64: '18446744073709551615',
    fSint32: -2147483648,
    fSint64: '-9223372036854775808',
    fFixed32: 4294967295,
    fFixed64: '18446744073709551615',
    fSfixed32: -2147483648,
    fSfixed64: '9223372036854775807',
    fBool: true,
    fString: 'héllo, 世界 ✓',
    fBytes: Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]).toString('base64'),
  },
  address: { street: 'Main St', zip: 12345, lines: ['a', 'b'] },
  ids: ['1', '-1', '9223372036854775807', '-9223372036854775808'],
  tags: ['x', 'y', ''],
  colors: ['RED', 'BLUE', 'COLOR_UNSPECIFIED'],
  addresses: [
    { street: 's1', zip: 1, lines: [] },
    { street: '', zip: 0, lines: ['only'] },
  ],
  counts: { a: 1, b: -2, zero: 0 },
  namesById: { '-9223372036854775808': 'min', '18': 'eighteen', '18446744073': 'wide' },
  flags: { true: 'yes', false: 'no' },
  places: { home: { street: 'h', zip: 1, lines: ['l'] } },
  where: { street: 'w', zip: 2, lines: [] },
  color: 'GREEN',
  at: '2024-02-29T23:59:59.123456789Z',
  took: '-3.000000500s',
  maybeCount: '-9223372036854775808',
  maybeName: '',
  maybeFlag: false,
  maybeRatio: 'NaN',
  maybeBytes: 'AAE=',
  maybeBig: '18446744073709551615',
  attributes: { s: 'str', n: 1.5, b: true, z: null, l: [1, 'two', null, { deep: [] }], o: { k: 'v' } },
  anything: [1, { a: null }],
  list: ['x', 2, false],
  mask: 'scalars.fInt64,namesById',
  extra: { '@type': 'type.googleapis.com/ferry.shared.Address', street: 'any', zip: 9, lines: [] },
  maybe: 0,
  customName: 'renamed',
  inner: { label: 'root', children: [{ label: 'kid', children: [{ label: 'grandkid', children: [] }] }] },
  ratios: [0, -0.5, 1e300, 'Infinity', '-Infinity'],
  maybeFloat: 1.5,
  maybeSmall: -1,
  maybeUnsigned: 4294967295,
};

test('every proto3 field kind round-trips exactly (JSON → protobuf → JSON)', async () => {
  const res = await invoke('lab', 'Echo', everything);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, everything);
  // What the server decoded with its own protobufjs: Ferry's wire encoding is right, not just self-consistent.
  const got = seen.echo as {
    scalars: Obj;
    flags: Obj;
    at: Obj;
    took: Obj;
    where: Obj;
    color: string;
    colors: string[];
    maybe: number;
    renamed: string;
    ratios: number[];
  };
  assert.equal(got.scalars.f_int64, '-9223372036854775808');
  assert.equal(got.scalars.f_uint64, '18446744073709551615');
  assert.equal(got.scalars.f_sfixed64, '9223372036854775807');
  assert.equal(got.scalars.f_sint32, -2147483648);
  assert.equal(got.scalars.f_bytes, everything.scalars.fBytes);
  assert.deepEqual(got.flags, { true: 'yes', false: 'no' });
  assert.deepEqual(got.at, { seconds: '1709251199', nanos: 123456789 });
  assert.deepEqual(got.took, { seconds: '-3', nanos: -500 });
  assert.deepEqual(got.where, { street: 'w', zip: 2 });
  assert.equal(got.color, 'GREEN');
  assert.deepEqual(got.colors, ['RED', 'BLUE', 'COLOR_UNSPECIFIED']);
  assert.equal(got.maybe, 0, 'an explicitly set proto3 optional is sent even when it is the default');
  assert.equal(got.renamed, 'renamed');
  assert.equal(got.ratios[3], Infinity);
});

test('proto field names are accepted too; unset fields come back as defaults, unset messages and oneofs omitted', async () => {
  const res = await invoke('lab', 'Echo', {
    scalars: { f_int64: 5, f_uint64: 7 },
    names_by_id: { 3: 'three' },
    custom_name: undefined,
    renamed: 'by proto name',
    text: 'chosen',
  });
  assert.equal(res.status, 200, res.text);
  const body = res.body as Obj;
  assert.deepEqual(body.scalars, {
    fDouble: 0,
    fFloat: 0,
    fInt32: 0,
    fInt64: '5',
    fUint32: 0,
    fUint64: '7',
    fSint32: 0,
    fSint64: '0',
    fFixed32: 0,
    fFixed64: '0',
    fSfixed32: 0,
    fSfixed64: '0',
    fBool: false,
    fString: '',
    fBytes: '',
  });
  assert.equal(body.customName, 'by proto name');
  assert.equal(body.text, 'chosen');
  assert.deepEqual(body.namesById, { 3: 'three' });
  assert.equal(body.color, 'COLOR_UNSPECIFIED');
  assert.deepEqual(body.ids, []);
  assert.deepEqual(body.counts, {});
  for (const absent of ['address', 'at', 'maybeCount', 'maybe', 'number', 'where', 'extra', 'attributes'])
    assert.ok(!(absent in body), absent);
  // Empty body = empty message.
  const empty = await request(`${ferryUrl}${invokePath('lab', 'Echo')}`, { method: 'POST' });
  assert.equal(empty.statusCode, 200);
  assert.equal(((await empty.body.json()) as Obj).color, 'COLOR_UNSPECIFIED');
});

test('messages built by the server decode to canonical JSON (int64 extremes as strings, WKTs, Any, maps)', async () => {
  const res = await invoke('lab', 'Sample', {});
  assert.equal(res.status, 200, res.text);
  const body = res.body as Obj & { scalars: Obj };
  assert.deepEqual(body.scalars, {
    fDouble: -0.25,
    fFloat: 3.4028235e38,
    fInt32: 2147483647,
    fInt64: '9223372036854775807',
    fUint32: 0,
    fUint64: '18446744073709551615',
    fSint32: -1,
    fSint64: '-9223372036854775808',
    fFixed32: 4294967295,
    fFixed64: '9007199254740993',
    fSfixed32: -2147483648,
    fSfixed64: '-9007199254740993',
    fBool: false,
    fString: '',
    fBytes: Buffer.from('ferry').toString('base64'),
  });
  assert.deepEqual(body.ids, ['9007199254740993', '-9007199254740993']);
  assert.deepEqual(body.colors, ['BLUE', 'RED']);
  assert.deepEqual(body.namesById, { '9007199254740993': 'big', '-7': 'negative' });
  assert.deepEqual(body.flags, { true: 'on' });
  assert.equal(body.number, 0, 'a oneof member set to its default is still set');
  assert.equal(body.color, 'BLUE');
  assert.equal(body.at, '1970-01-01T00:00:00Z');
  assert.equal(body.took, '90.500s');
  assert.equal(body.maybeCount, '0');
  assert.deepEqual(body.attributes, { k: [1, null] });
  assert.deepEqual(body.extra, { '@type': 'type.googleapis.com/ferry.shared.Address', street: 'in any', zip: 7, lines: [] });
  assert.equal(body.mask, 'scalars.fInt64,namesById');
});

test('well-known types in an Any, timestamps with offsets, integers as strings or numbers', async () => {
  const res = await invoke('lab', 'Echo', {
    extra: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.5s' },
    at: '2024-01-01T01:00:00+01:00',
    took: '0.001s',
    ids: [1, '2'],
    maybeSmall: '7',
  });
  assert.equal(res.status, 200, res.text);
  const body = res.body as Obj;
  assert.deepEqual(body.extra, { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.500s' });
  assert.equal(body.at, '2024-01-01T00:00:00Z');
  assert.equal(body.took, '0.001s');
  assert.deepEqual(body.ids, ['1', '2']);
  assert.equal(body.maybeSmall, 7);
});

test("JSON that does not fit the proto is a clear 400 naming the path", async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ nope: 1 }, /\$\.nope: unknown field "nope" in ferry\.test\.Everything/],
    [{ scalars: { fInt64x: '1' } }, /\$\.scalars\.fInt64x: unknown field/],
    [{ address: { street: 'x', city: 'y' } }, /\$\.address\.city: unknown field "city" in ferry\.shared\.Address/],
    [{ scalars: { fInt32: 2147483648 } }, /out of range for int32/],
    [{ scalars: { fUint32: -1 } }, /out of range for uint32/],
    [{ scalars: { fInt64: '9223372036854775808' } }, /out of range for int64/],
    [{ scalars: { fUint64: '-1' } }, /out of range for uint64/],
    [{ scalars: { fInt64: 9007199254740993 } }, /beyond 2\^53/],
    [{ scalars: { fInt32: 1.5 } }, /not an integer/],
    [{ scalars: { fBool: 'true' } }, /expected true or false/],
    [{ scalars: { fString: 5 } }, /expected a string/],
    [{ scalars: { fBytes: 'not base64!' } }, /not valid base64/],
    [{ scalars: { fFloat: 1e39 } }, /out of range for float/],
    [{ color: 'PURPLE' }, /"PURPLE" is not a value of enum ferry\.test\.Color/],
    [{ text: 'a', number: 1 }, /oneof "choice" already has "text"/],
    [{ ids: '1' }, /expected a JSON array/],
    [{ counts: { a: 'x' } }, /\$\.counts\["a"\]: expected an integer/],
    [{ namesById: { abc: 'x' } }, /expected an integer/],
    [{ flags: { yes: 'x' } }, /map key must be "true" or "false"/],
    [{ at: '2024-13-01T00:00:00Z' }, /not an RFC 3339 timestamp/],
    [{ took: '5 minutes' }, /not a duration/],
    [{ extra: { '@type': 'type.googleapis.com/no.Such' } }, /unknown message type "no\.Such"/],
    [{ renamed: 'a', customName: 'b' }, /given twice/],
    [[1, 2], /expected a JSON object for ferry\.test\.Everything/],
  ];
  for (const [body, message] of cases) {
    const res = await invoke('lab', 'Echo', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const error = res.body as ErrorBody;
    assert.equal(error.code, 'FERRY_ERR_BAD_ARGUMENTS');
    assert.match(error.message, message);
  }
});

test('unknown methods are 404; client-streaming is refused; an unimplemented method is 501 from the server', async () => {
  const unknown = await invoke('lab', 'NoSuchMethod', {});
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body as ErrorBody).code, 'FERRY_ERR_METHOD_NOT_FOUND');
  const upload = await invoke('lab', 'Upload', {});
  assert.equal(upload.status, 400);
  const missing = await invoke('lab', 'missing', {});
  assert.equal(missing.status, 501);
  assert.equal((missing.body as ErrorBody).code, 'FERRY_ERR_GRPC_UNIMPLEMENTED');
  assert.equal((missing.body as ErrorBody).upstream?.status, grpc.status.UNIMPLEMENTED);
});

test('gRPC status → Ferry code and HTTP status (Google mapping), message kept', async () => {
  const expected: Array<[number, number, string]> = [
    [grpc.status.CANCELLED, 499, 'FERRY_ERR_GRPC_CANCELLED'],
    [grpc.status.UNKNOWN, 500, 'FERRY_ERR_GRPC_UNKNOWN'],
    [grpc.status.INVALID_ARGUMENT, 400, 'FERRY_ERR_GRPC_INVALID_ARGUMENT'],
    [grpc.status.DEADLINE_EXCEEDED, 504, 'FERRY_ERR_UPSTREAM_TIMEOUT'],
    [grpc.status.NOT_FOUND, 404, 'FERRY_ERR_GRPC_NOT_FOUND'],
    [grpc.status.ALREADY_EXISTS, 409, 'FERRY_ERR_GRPC_ALREADY_EXISTS'],
    [grpc.status.PERMISSION_DENIED, 403, 'FERRY_ERR_GRPC_PERMISSION_DENIED'],
    [grpc.status.RESOURCE_EXHAUSTED, 429, 'FERRY_ERR_GRPC_RESOURCE_EXHAUSTED'],
    [grpc.status.FAILED_PRECONDITION, 400, 'FERRY_ERR_GRPC_FAILED_PRECONDITION'],
    [grpc.status.ABORTED, 409, 'FERRY_ERR_GRPC_ABORTED'],
    [grpc.status.OUT_OF_RANGE, 400, 'FERRY_ERR_GRPC_OUT_OF_RANGE'],
    [grpc.status.UNIMPLEMENTED, 501, 'FERRY_ERR_GRPC_UNIMPLEMENTED'],
    [grpc.status.INTERNAL, 500, 'FERRY_ERR_GRPC_INTERNAL'],
    [grpc.status.UNAVAILABLE, 503, 'FERRY_ERR_GRPC_UNAVAILABLE'],
    [grpc.status.DATA_LOSS, 500, 'FERRY_ERR_GRPC_DATA_LOSS'],
    [grpc.status.UNAUTHENTICATED, 401, 'FERRY_ERR_GRPC_UNAUTHENTICATED'],
  ];
  for (const [code, status, ferryCode] of expected) {
    const res = await invoke('lab', 'Fail', { code, message: `failing with ${code}` });
    const body = res.body as ErrorBody;
    assert.equal(res.status, status, `${code}: ${res.text}`);
    assert.equal(res.headers[HEADERS.error], ferryCode);
    assert.equal(body.code, ferryCode);
    assert.equal(body.upstream?.protocol, 'grpc');
    assert.equal(body.upstream?.status, code);
    assert.equal(body.upstream?.message, `failing with ${code}`);
  }
});

test('status details (grpc-status-details-bin) are decoded into upstream.data', async () => {
  const res = await invoke('lab', 'Fail', { code: grpc.status.FAILED_PRECONDITION, message: 'no stock', withDetails: true });
  assert.equal(res.status, 400);
  const body = res.body as ErrorBody;
  assert.equal(body.code, 'FERRY_ERR_GRPC_FAILED_PRECONDITION');
  assert.deepEqual(body.upstream?.data, [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'STOCK_EMPTY', domain: 'lab.ferry', metadata: { sku: 'A-1' } },
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'code', description: 'must be odd', reason: '' }] },
  ]);
});

test('deadline: the service timeout is the gRPC deadline; exceeded → 504', async () => {
  const started = Date.now();
  const res = await invoke('lab-quick', 'Slow', { ms: 3000 });
  assert.equal(res.status, 504, res.text);
  assert.equal((res.body as ErrorBody).code, 'FERRY_ERR_UPSTREAM_TIMEOUT');
  assert.ok(Date.now() - started < 2000, 'answered at the deadline, not when the server finished');
  assert.ok(seen.deadline && Math.abs(seen.deadline - (started + 300)) < 250, `server saw deadline ${seen.deadline! - started} ms away`);
  // The app's x-ferry-timeout-ms shortens it further.
  const shorter = await invoke('lab', 'Slow', { ms: 1000 }, { [HEADERS.timeout]: '100' });
  assert.equal(shorter.status, 504);
  const fine = await invoke('lab', 'Slow', { ms: 10 });
  assert.equal(fine.status, 200);
  assert.deepEqual(fine.body, {});
});

test('metadata: propagated headers, -bin keys as base64, tri-service-version/group when configured', async () => {
  const binary = Buffer.from([0, 255, 1, 254]).toString('base64');
  const res = await invoke(
    'lab-tri',
    'Whoami',
    {},
    { authorization: 'Bearer abc', 'x-ferry-attach-trace-bin': binary, 'x-ferry-attach-x-tenant': 'acme', 'x-other': 'not propagated' },
  );
  assert.equal(res.status, 200, res.text);
  const md = res.body as Record<string, string>;
  assert.equal(md.authorization, 'Bearer abc');
  assert.equal(md['trace-bin'], binary);
  assert.equal(md['x-tenant'], 'acme');
  assert.equal(md['x-other'], undefined);
  assert.equal(md['tri-service-version'], '1.0.0');
  assert.equal(md['tri-service-group'], 'blue');
  assert.ok(md['x-request-id']);
  const plain = await invoke('lab', 'Whoami', {});
  assert.equal((plain.body as Obj)['tri-service-version'], undefined);
});

test('server streaming: 1,000 messages as NDJSON, in order, the first line before the server sent the last', async () => {
  const res = await request(`${ferryUrl}${invokePath('lab', 'Ticks')}`, {
    method: 'POST',
    body: JSON.stringify({ n: 1000, mode: 'wait' }),
  });
  assert.equal(res.statusCode, 200);
  assert.equal(String(res.headers['content-type']).split(';')[0], NDJSON);
  let text = '';
  let sentWhenFirstLineArrived = -1;
  for await (const chunk of res.body) {
    text += (chunk as Buffer).toString('utf8');
    if (sentWhenFirstLineArrived < 0 && text.includes('\n')) {
      // The server has sent one message and waits for this go-ahead: the line was not held back.
      sentWhenFirstLineArrived = seen.ticksSent;
      releaseTicks();
    }
  }
  assert.equal(sentWhenFirstLineArrived, 1);
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; at: string; payload: string });
  assert.equal(lines.length, 1000);
  lines.forEach((line, i) => assert.equal(line.seq, i));
  assert.deepEqual(lines[1], { seq: 1, at: '2023-11-14T22:13:21.000000001Z', payload: 'tick 1' });
});

test('server streaming: failing at once is an HTTP error; failing midway ends with an error line', async () => {
  const early = await invoke('lab', 'Ticks', { n: -1 });
  assert.equal(early.status, 400);
  assert.equal((early.body as ErrorBody).code, 'FERRY_ERR_GRPC_INVALID_ARGUMENT');
  const res = await request(`${ferryUrl}${invokePath('lab', 'Ticks')}`, {
    method: 'POST',
    body: JSON.stringify({ n: 10, mode: 'fail-after-3' }),
  });
  assert.equal(res.statusCode, 200);
  const lines = (await res.body.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Obj);
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.slice(0, 3).map((l) => l.seq), [0, 1, 2]);
  const error = (lines[3] as { error: ErrorBody }).error;
  assert.equal(error.code, 'FERRY_ERR_GRPC_ABORTED');
  assert.equal(error.upstream?.message, 'stopped after 3');
  // An empty stream is an empty 200.
  const none = await request(`${ferryUrl}${invokePath('lab', 'Ticks')}`, { method: 'POST', body: JSON.stringify({ n: 0 }) });
  assert.equal(none.statusCode, 200);
  assert.equal(await none.body.text(), '');
});

test('server streaming: the app going away cancels the upstream call', async () => {
  const before = seen.cancelled;
  const controller = new AbortController();
  const res = await request(`${ferryUrl}${invokePath('lab', 'Ticks')}`, {
    method: 'POST',
    body: JSON.stringify({ n: 1000, mode: 'slow' }),
    signal: controller.signal,
  });
  for await (const _chunk of res.body) {
    controller.abort();
    break;
  }
  const until = Date.now() + 3000;
  while (seen.cancelled === before && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(seen.cancelled, before + 1);
  assert.ok(seen.ticksSent < 1000);
});

test('a dead endpoint is FERRY_ERR_UPSTREAM_CONNECT; bad proto config fails at start naming the path', async () => {
  const config = parseConfig(
    `
listen: { port: 0 }
admin: { enabled: false }
services:
  gone: { protocol: grpc, endpoints: ["127.0.0.1:1"], proto: [lab.proto], includeDirs: [include], service: ferry.test.Lab, retries: 0 }
`,
    't',
    {},
    {},
    FIXTURES,
  );
  const dead = await createSidecar({ config, logger: createLogger('silent') });
  const deadUrl = `http://127.0.0.1:${(await dead.start()).port}`;
  try {
    const res = await request(`${deadUrl}${invokePath('gone', 'Echo')}`, { method: 'POST', body: '{}' });
    const body = (await res.body.json()) as ErrorBody;
    assert.equal(res.statusCode, 502, JSON.stringify(body));
    assert.equal(body.code, 'FERRY_ERR_UPSTREAM_CONNECT');
  } finally {
    await dead.close();
  }
  const wrongService = parseConfig(
    `services:\n  x: { protocol: grpc, endpoints: ["127.0.0.1:1"], ` +
      `proto: [lab.proto], includeDirs: [include], service: ferry.test.Nope }\n`,
    't',
    {},
    {},
    FIXTURES,
  );
  await assert.rejects(
    createSidecar({ config: wrongService, logger: createLogger('silent') }),
    /services\.x\.service: no service "ferry\.test\.Nope".*found: ferry\.test\.Lab/,
  );
  // a missing file is a config error (ferry check, start-up, reloads), not a failure once the sidecar is built
  assert.throws(
    () => parseConfig('services: { x: { protocol: grpc, endpoints: ["h:1"], proto: [nope.proto], service: a.B } }', 't', {}, {}, FIXTURES),
    /services\.x\.proto\[0\]: no such file: .*nope\.proto/,
  );
});
