/**
 * Ferry as a Dubbo provider, at the frame level (a raw TCP client built on Ferry's codec): response flags,
 * statuses Java consumers get for unknown services/methods and foreign serializations, heartbeats both ways,
 * malformed frames, one-way calls, overloads, version/group, path parameters, app errors. The Java-side
 * decoding of these answers is covered by dubbo-provider.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { eventually, startSidecar, startUpstream, type TestSidecar, dubboServer } from '../support/helpers.js';
import {
  FrameDecoder,
  encodeFrame,
  encodeHeartbeatRequest,
  encodeHeartbeatResponse,
  decodeEvent,
  type DubboFrame,
} from '../../src/protocols/dubbo/codec.js';
import {
  decodeErrorBody,
  decodeResponseBody,
  encodeRequestBody,
  GENERIC_PARAMETER_DESC,
  type DubboRequestBody,
} from '../../src/protocols/dubbo/body.js';
import { JavaObject, fromJava } from '../../src/protocols/hessian/index.js';
import { NODE_IFACE, inboundYaml, startNodeApp, type NodeApp } from '../support/dubbo-provider-fixture.js';

const OVERLOADED = 'com.example.ferry.api.Overloaded';

class RawClient {
  readonly socket: Socket;
  readonly decoder = new FrameDecoder();
  readonly waiting = new Map<bigint, (f: DubboFrame) => void>();
  /** Requests the provider sent us (heartbeats, read-only events). */
  readonly fromServer: DubboFrame[] = [];
  closed = false;
  closedAt = 0;
  #nextId = 1n;
  /** Answer the provider's heartbeats. */
  answerHeartbeats = true;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c) => {
      for (const f of this.decoder.push(c)) {
        if (f.request) {
          this.fromServer.push(f);
          if (f.event && f.twoWay && this.answerHeartbeats) socket.write(encodeHeartbeatResponse(f.id));
          continue;
        }
        this.waiting.get(f.id)?.(f);
        this.waiting.delete(f.id);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a frame and waits for the response with its id (3 s). */
  exchange(frame: Buffer, id: bigint): Promise<DubboFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to id ${id}`)), 3000);
      this.waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.socket.write(frame);
    });
  }

  call(req: Partial<DubboRequestBody> & { method: string }, opts: { serializationId?: number } = {}): Promise<DubboFrame> {
    const id = this.#nextId++;
    const body = encodeRequestBody({
      dubboVersion: '2.0.2',
      path: NODE_IFACE,
      version: '0.0.0',
      parameterDesc: '',
      args: [],
      attachments: { path: req.path ?? NODE_IFACE, interface: req.path ?? NODE_IFACE, timeout: '3000' },
      ...req,
    });
    return this.exchange(encodeFrame({ request: true, twoWay: true, id, body, serializationId: opts.serializationId ?? 2 }), id);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The first byte of a response body: the Hessian compact int 0x90 + flag. */
const flagOf = (f: DubboFrame) => f.body[0]! - 0x90;
const valueOf = (f: DubboFrame) => {
  assert.equal(f.status, 20, f.status === 20 ? '' : decodeErrorBody(f.body));
  const b = decodeResponseBody(f.body);
  // (JSON round trip: fromJava builds null-prototype objects)
  return b.kind === 'value' ? JSON.parse(JSON.stringify(fromJava(b.value))) : b.kind === 'null' ? null : b.exception;
};
const L = (n: number) => ({ $class: 'long', $: n });
const I = (n: number) => ({ $class: 'int', $: n });

let app: NodeApp;
let ferry: TestSidecar;
let port: number;

before(async () => {
  app = await startNodeApp();
  const services = `
      - interface: ${OVERLOADED}
        version: 1.0.0
        group: g1
        methods:
          "echo(java.lang.String)":      { http: "POST /echo/one", returns: java.lang.Object }
          "echo(java.lang.String, int)": { http: "POST /echo/two", returns: java.lang.Object }
          find:                          { http: "GET /echo/items/{0}/{1}", returns: java.lang.Object }
          save:                          { http: "PUT /echo/items", parameterTypes: [com.example.ferry.api.Item],
                                           returns: java.lang.Object }
          saveArray:                     { http: "PUT /echo/items", parameterTypes: [com.example.ferry.api.Item],
                                           returns: java.lang.Object, body: array }
          saveText:                      { http: "PATCH /echo/text", parameterTypes: [java.lang.String],
                                           returns: java.lang.Object, body: single }
          badInt:                        { http: "GET /echo/bad", parameterTypes: [], returns: int }`;
  ferry = await startSidecar(inboundYaml({ appUrl: app.url, services }));
  port = dubboServer(ferry.sidecar).port;
});
after(async () => {
  await ferry?.close();
  await app?.close();
});

test('response flags follow the consumer\'s dubbo version; falsy values stay values; void is the null flag', async () => {
  const c = await RawClient.open(port);
  try {
    let f = await c.call({ method: 'zero' });
    assert.equal(flagOf(f), 4); // VALUE_WITH_ATTACHMENTS for "2.0.2"
    assert.equal(valueOf(f), 0);
    const withAtt = decodeResponseBody(f.body);
    assert.equal(withAtt.attachments.dubbo, '2.0.2');
    assert.equal(withAtt.attachments['served-by'], 'node-app');
    f = await c.call({ method: 'zero', dubboVersion: '2.0.1' });
    assert.equal(flagOf(f), 1); // VALUE (older consumers)
    assert.equal(valueOf(f), 0);
    f = await c.call({ method: 'isTrue', parameterDesc: 'Z', args: [false] });
    assert.equal(flagOf(f), 4);
    assert.equal(valueOf(f), false);
    f = await c.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: [''] });
    assert.equal(valueOf(f), 'Hello ');
    f = await c.call({ method: 'touch', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.equal(flagOf(f), 5); // NULL_VALUE_WITH_ATTACHMENTS
    f = await c.call({ method: 'touch', parameterDesc: 'Ljava/lang/String;', args: ['x'], dubboVersion: '2.6.0' });
    assert.equal(flagOf(f), 2);
    assert.equal(f.body.length, 1);
    f = await c.call({ method: 'fail', parameterDesc: 'I', args: [I(500)], dubboVersion: '2.0.1' });
    assert.equal(flagOf(f), 0); // WITH_EXCEPTION
    const ex = decodeResponseBody(f.body);
    assert.ok(ex.kind === 'exception' && ex.exception instanceof JavaObject);
    assert.equal((ex.exception as JavaObject).className, 'java.lang.RuntimeException');
    assert.equal((ex.exception as JavaObject).fields.detailMessage, 'app failed with 500');
    f = await c.call({ method: 'fail', parameterDesc: 'I', args: [I(503)] });
    assert.equal(flagOf(f), 3);
    assert.equal(
      (decodeResponseBody(f.body) as { exception: JavaObject }).exception.fields.detailMessage,
      'app is overloaded (plain text)',
    );
  } finally {
    c.close();
  }
});

test('typed arguments are read as a Java 3.3 provider reads them: what Hessian refuses is a 40 and never reaches the app', async () => {
  const c = await RawClient.open(port);
  const USER = 'Lcom/example/ferry/api/User;';
  try {
    const before = app.seen.length;
    const refused: Array<[string, string, unknown[], RegExp]> = [
      ['addLong', 'JJ', ['a', 'b'], /argument 0: expected long, got a string/],
      ['addLong', 'JJ', [true, { $class: 'java.util.HashMap', $: new Map([['x', 1]]) }], /argument 1: expected long, got a map/],
      ['saveUser', USER, [7], /argument 0: expected com\.example\.ferry\.api\.User, got a number/],
      ['hello', 'Ljava/lang/String;', [['x']], /argument 0: expected java\.lang\.String, got a list/],
      ['isTrue', 'Z', ['yes'], /argument 0: expected boolean, got a string/],
      ['listUsers', 'I', [{ $class: 'java.util.HashMap', $: new Map() }], /argument 0: expected int, got a map/],
    ];
    for (const [method, parameterDesc, args, why] of refused) {
      const f = await c.call({ method, parameterDesc, args });
      const message = f.status === 20 ? 'answered' : decodeErrorBody(f.body);
      assert.equal(f.status, 40, `${method} ${JSON.stringify(args)}: ${message}`);
      // Java 3.3.6's words (checked against a real provider), then which argument and why
      assert.match(message, new RegExp(`^Fail to decode request due to: RpcInvocation \\[methodName=${method}, parameterTypes=null\\]`));
      assert.match(message, why);
    }
    assert.deepEqual(app.seen.slice(before).map((s) => s.url), [], 'the app never got them');
    // what Java coerces, the app gets coerced: a boolean or a double for a long, a number for a String or a boolean
    assert.equal(valueOf(await c.call({ method: 'addLong', parameterDesc: 'JJ', args: [true, 1.5] })), 2);
    assert.deepEqual(app.seen.at(-1)!.body, [1, 1]);
    assert.equal(valueOf(await c.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: [5] })), 'Hello 5');
    assert.equal(valueOf(await c.call({ method: 'isTrue', parameterDesc: 'Z', args: [I(1)] })), true);
    assert.deepEqual(app.seen.at(-1)!.body, [true]);
  } finally {
    c.close();
  }
});

test('unknown service, version, method or signature → 40 like Java; generic unknown method → 70; $echo', async () => {
  const c = await RawClient.open(port);
  try {
    let f = await c.call({ path: 'com.example.Nope', method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.equal(f.status, 40);
    assert.match(decodeErrorBody(f.body), /^Fail to decode request due to: .*Service not found:\/com\.example\.Nope:, hello/);
    f = await c.call({ version: '2.0.0', method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.equal(f.status, 40);
    f = await c.call({ method: 'nope', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.equal(f.status, 40);
    f = await c.call({ method: 'hello', parameterDesc: 'J', args: [L(1)] }); // hello(long) does not exist
    assert.equal(f.status, 40);
    assert.match(decodeErrorBody(f.body), /hello\(J\)/);
    f = await c.call({
      method: '$invoke',
      parameterDesc: GENERIC_PARAMETER_DESC,
      args: ['nope', { $class: '[string', $: [] }, { $class: '[object', $: [] }],
      attachments: { path: NODE_IFACE, generic: 'true' },
    });
    assert.equal(f.status, 70);
    assert.equal(decodeErrorBody(f.body), `org.apache.dubbo.rpc.RpcException: No such method nope in class interface ${NODE_IFACE}`);
    f = await c.call({
      method: '$invoke',
      parameterDesc: GENERIC_PARAMETER_DESC,
      args: ['hello', { $class: '[string', $: ['java.lang.String'] }, { $class: '[object', $: ['x'] }],
      attachments: { path: NODE_IFACE, generic: 'bean' },
    });
    assert.equal(f.status, 70);
    f = await c.call({
      method: '$invoke',
      parameterDesc: GENERIC_PARAMETER_DESC,
      args: ['hello', { $class: '[string', $: ['java.lang.String'] }, { $class: '[object', $: ['"gson"'] }],
      attachments: { path: NODE_IFACE, generic: 'gson' },
    });
    assert.equal(valueOf(f), 'Hello gson');
    f = await c.call({ method: '$echo', parameterDesc: 'Ljava/lang/Object;', args: ['ping'] });
    assert.equal(valueOf(f), 'ping');
    // a body that is not Hessian: 40, and the connection goes on
    const id = 999n;
    f = await c.exchange(encodeFrame({ request: true, twoWay: true, id, body: Buffer.from([0x05, 0xff, 0xff]) }), id);
    assert.equal(f.status, 40);
    assert.equal(valueOf(await c.call({ method: 'zero' })), 0);
  } finally {
    c.close();
  }
});

test('a serialization other than hessian2 → 40 (answered in hessian2), the connection goes on', async () => {
  const c = await RawClient.open(port);
  try {
    for (const id of [23, 3, 6]) {
      const f = await c.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['x'] }, { serializationId: id });
      assert.equal(f.status, 40);
      assert.equal(f.serializationId, 2);
      assert.match(decodeErrorBody(f.body), new RegExp(`Unsupported serialization id ${id}`));
    }
    assert.equal(valueOf(await c.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['y'] })), 'Hello y');
    assert.equal(c.closed, false);
  } finally {
    c.close();
  }
});

test('a malformed frame closes only its connection', async () => {
  const good = await RawClient.open(port);
  try {
    assert.equal(valueOf(await good.call({ method: 'zero' })), 0);
    const bad: Buffer[] = [
      Buffer.from('not dubbo at all\r\n'),
      // oversized body length (limit: 8 MiB)
      (() => {
        const h = encodeFrame({ request: true, twoWay: true, id: 1, body: Buffer.alloc(0) });
        h.writeInt32BE(64 * 1024 * 1024, 12);
        return h;
      })(),
      // negative body length
      (() => {
        const h = encodeFrame({ request: true, twoWay: true, id: 1, body: Buffer.alloc(0) });
        h.writeInt32BE(-5, 12);
        return h;
      })(),
    ];
    for (const bytes of bad) {
      const c = await RawClient.open(port);
      // a good call in flight on the same connection is fine to lose; other connections are not
      c.socket.write(bytes);
      await eventually(() => c.closed, 2000);
      assert.equal(
        valueOf(await good.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['still here'] })),
        'Hello still here',
      );
    }
    assert.equal(good.closed, false);
  } finally {
    good.close();
  }
});

test('heartbeats: answered with the same id; one-way calls run without an answer', async () => {
  const c = await RawClient.open(port);
  try {
    const f = await c.exchange(encodeHeartbeatRequest(77n), 77n);
    assert.deepEqual([f.request, f.event, f.status, f.id, f.body.toString('hex')], [false, true, 20, 77n, '4e']);
    // a heartbeat in another serialization (e.g. fastjson2's length-prefixed null) is answered in kind
    const fj = await c.exchange(
      encodeFrame({
        request: true,
        twoWay: true,
        event: true,
        id: 78n,
        serializationId: 23,
        body: Buffer.from([0x00, 0x00, 0x00, 0x01, 0xaf]),
      }),
      78n,
    );
    assert.deepEqual([fj.event, fj.status, fj.serializationId, fj.body.toString('hex')], [true, 20, 23, '00000001af']);
    const before = app.seen.length;
    const body = encodeRequestBody({
      dubboVersion: '2.0.2',
      path: NODE_IFACE,
      version: '0.0.0',
      method: 'touch',
      parameterDesc: 'Ljava/lang/String;',
      args: ['oneway'],
      attachments: { path: NODE_IFACE },
    });
    c.socket.write(encodeFrame({ request: true, twoWay: false, id: 500n, body }));
    await eventually(() => app.seen.slice(before).some((s) => s.url === '/touch' && JSON.stringify(s.body) === '["oneway"]'), 2000);
    // and nothing comes back for it: the next call's answer is the next frame
    assert.equal(valueOf(await c.call({ method: 'zero' })), 0);
    assert.equal(c.waiting.size, 0);
  } finally {
    c.close();
  }
});

test('Ferry sends heartbeats to a quiet consumer and closes a dead one', async () => {
  const small = await startSidecar(inboundYaml({ appUrl: app.url, heartbeatMs: 200 }));
  try {
    const c = await RawClient.open(dubboServer(small.sidecar).port);
    const opened = Date.now();
    await eventually(() => c.fromServer.some((f) => f.event && f.twoWay && decodeEvent(f).kind === 'heartbeat'), 1500);
    // answering keeps the connection alive
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(c.closed, false);
    assert.ok(c.fromServer.length >= 2, `heartbeats: ${c.fromServer.length}`);
    // a consumer that stops answering is closed after 3 × heartbeatMs of silence
    c.answerHeartbeats = false;
    const silentFrom = Date.now();
    await eventually(() => c.closed, 2000);
    assert.ok(
      c.closedAt - silentFrom >= 400,
      `closed ${c.closedAt - silentFrom} ms after the last answer (${c.closedAt - opened} after open)`,
    );
  } finally {
    await small.close();
  }
});

test('overloads by descriptor, version/group, path parameters, single-POJO and array bodies', async () => {
  const c = await RawClient.open(port);
  const base = {
    path: OVERLOADED,
    version: '1.0.0',
    attachments: { path: OVERLOADED, interface: OVERLOADED, version: '1.0.0', group: 'g1' },
  };
  const item = { $class: 'com.example.ferry.api.Item', $: { id: L(3), name: 'pen' } };
  try {
    // no group → not found (Java keys services by group/interface:version)
    let f = await c.call({
      ...base,
      attachments: { path: OVERLOADED },
      method: 'find',
      parameterDesc: 'JLjava/lang/String;',
      args: [L(7), 'a b'],
    });
    assert.equal(f.status, 40);
    assert.match(decodeErrorBody(f.body), /Service not found:\/com\.example\.ferry\.api\.Overloaded:1\.0\.0/);
    // overloads: the descriptor picks the route
    f = await c.call({ ...base, method: 'echo', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.deepEqual(valueOf(f), { method: 'POST', url: '/echo/one', body: ['x'] });
    f = await c.call({ ...base, method: 'echo', parameterDesc: 'Ljava/lang/String;I', args: ['x', I(2)] });
    assert.deepEqual(valueOf(f), { method: 'POST', url: '/echo/two', body: ['x', 2] });
    f = await c.call({ ...base, method: 'echo', parameterDesc: 'J', args: [L(1)] });
    assert.equal(f.status, 40);
    // generic: the type names pick the overload too
    f = await c.call({
      ...base,
      method: '$invoke',
      parameterDesc: GENERIC_PARAMETER_DESC,
      args: ['echo', { $class: '[string', $: ['java.lang.String', 'int'] }, { $class: '[object', $: ['g', I(5)] }],
    });
    assert.deepEqual(valueOf(f), { method: 'POST', url: '/echo/two', body: ['g', 5] });
    // path params (URL-encoded), any signature (no parameterTypes declared), GET has no body
    f = await c.call({ ...base, method: 'find', parameterDesc: 'JLjava/lang/String;', args: [L(7), 'a b/c'] });
    assert.deepEqual(valueOf(f), { method: 'GET', url: '/echo/items/7/a%20b%2Fc', body: null });
    // one POJO argument: the body is the object itself ('auto'); `body: array` keeps the array
    f = await c.call({ ...base, method: 'save', parameterDesc: 'Lcom/example/ferry/api/Item;', args: [item] });
    assert.deepEqual(valueOf(f), { method: 'PUT', url: '/echo/items', body: { id: 3, name: 'pen' } });
    f = await c.call({ ...base, method: 'saveArray', parameterDesc: 'Lcom/example/ferry/api/Item;', args: [item] });
    assert.deepEqual(valueOf(f), { method: 'PUT', url: '/echo/items', body: [{ id: 3, name: 'pen' }] });
    f = await c.call({ ...base, method: 'saveText', parameterDesc: 'Ljava/lang/String;', args: ['just text'] });
    assert.deepEqual(valueOf(f), { method: 'PATCH', url: '/echo/text', body: 'just text' });
    // the app saw which interface and method
    const last = app.seen[app.seen.length - 1]!;
    assert.equal(last.headers['x-ferry-service'], OVERLOADED);
    assert.equal(last.headers['x-ferry-method'], 'saveText');
  } finally {
    c.close();
  }
});

test('the app unreachable → a RuntimeException naming it; the app answering garbage → 50', async () => {
  const dead = await startUpstream(() => {});
  const deadUrl = dead.url;
  await dead.close();
  const lonely = await startSidecar(inboundYaml({ appUrl: deadUrl }));
  try {
    const c = await RawClient.open(dubboServer(lonely.sidecar).port);
    const f = await c.call({ method: 'hello', parameterDesc: 'Ljava/lang/String;', args: ['x'] });
    assert.equal(f.status, 20);
    const b = decodeResponseBody(f.body);
    assert.ok(b.kind === 'exception' && b.exception instanceof JavaObject);
    assert.equal((b.exception as JavaObject).className, 'java.lang.RuntimeException');
    assert.match(
      String((b.exception as JavaObject).fields.detailMessage),
      /Ferry could not reach the app at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
    );
    c.close();
  } finally {
    await lonely.close();
  }
  const c = await RawClient.open(port);
  try {
    // badInt() is declared to return int; the app answers an object
    const f = await c.call({
      path: OVERLOADED,
      version: '1.0.0',
      attachments: { path: OVERLOADED, version: '1.0.0', group: 'g1' },
      method: 'badInt',
    });
    assert.equal(f.status, 50);
    assert.match(decodeErrorBody(f.body), /does not fit int/);
    assert.equal(valueOf(await c.call({ method: 'zero' })), 0);
  } finally {
    c.close();
  }
});
