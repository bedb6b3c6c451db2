/**
 * Allow-listed headers sent by the app reach a Java Dubbo provider as attachments and a gRPC server as
 * metadata, with the trace context of Ferry's client span; non-listed headers do not.
 *
 * Dubbo 3.3's provider ContextFilter hides HTTP header names (authorization, cookie, accept, …) from
 * RpcContext.getServerAttachment(), which TypeMatrixService.attachments() reads, so `authorization` is
 * checked against the Dubbo 3.2 provider (which shows every attachment) and the other keys against both.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ensureJavaPeers, startProvider, type JavaProvider } from '../harness/java.js';
import { startSidecar, type TestSidecar } from '../support/helpers.js';

const PROTO = fileURLToPath(new URL('../../../test/fixtures/observability/meta.proto', import.meta.url));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

let p33: JavaProvider | undefined;
let p32: JavaProvider | undefined;
let grpcServer: grpc.Server;
let grpcPort = 0;
let ferry: TestSidecar;

before(async () => {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true });
  const Meta = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { obs: { Meta: grpc.ServiceClientConstructor } } }).ferry.obs
    .Meta;
  grpcServer = new grpc.Server();
  grpcServer.addService(Meta.service, {
    Echo(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap()))
        metadata[k] = typeof v === 'string' ? v : Buffer.from(v).toString('base64');
      callback(null, { metadata });
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );

  const jars = await ensureJavaPeers();
  [p33, p32] = await Promise.all([
    startProvider({ jar: jars.jar33, zkAddress: 'N/A', name: 'obs33' }),
    startProvider({ jar: jars.jar32, zkAddress: 'N/A', name: 'obs32' }),
  ]);
  const dubbo = (port: number) => ({
    protocol: 'dubbo',
    interface: 'com.example.ferry.api.TypeMatrixService',
    version: '1.0.0',
    endpoints: [`127.0.0.1:${port}`],
    timeoutMs: 5000,
    methods: { attachments: { parameterTypes: [] } },
  });
  ferry = await startSidecar(
    `tracing: { enabled: true, propagators: [tracecontext, b3multi] }
services: ${JSON.stringify({
      matrix33: dubbo(p33.port),
      matrix32: dubbo(p32.port),
      meta: { protocol: 'grpc', proto: [PROTO], service: 'ferry.obs.Meta', endpoints: [`127.0.0.1:${grpcPort}`] },
      metaNoAuth: {
        protocol: 'grpc',
        proto: [PROTO],
        service: 'ferry.obs.Meta',
        endpoints: [`127.0.0.1:${grpcPort}`],
        propagation: { exclude: ['authorization'] },
      },
    })}
`,
  );
});

after(async () => {
  await ferry?.close();
  await Promise.all([p33?.stop(), p32?.stop()]);
  grpcServer?.forceShutdown();
});

const APP_HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer app-token',
  'x-tenant-id': 'tenant-7',
  'x-user-id': 'u-42',
  'x-not-listed': 'nope',
  cookie: 'session=s3cr3t',
  traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
};

async function invoke(service: string, method: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`${ferry.url}/v1/invoke/${service}/${method}`, {
    method: 'POST',
    headers: APP_HEADERS,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as Record<string, string>;
}

function assertTrace(carrier: Record<string, string>): void {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(carrier.traceparent ?? '');
  assert.ok(m, `traceparent in ${JSON.stringify(carrier)}`);
  assert.equal(m[1], TRACE_ID);
  assert.notEqual(m[2], '00f067aa0ba902b7', 'Ferry sends its client span, not the app span');
  assert.equal(carrier['x-b3-traceid'], TRACE_ID);
  assert.equal(carrier['x-b3-spanid'], m[2]);
}

test('Java Dubbo 3.2 provider receives allow-listed headers as attachments (authorization included), not the others', async () => {
  const att = await invoke('matrix32', 'attachments', []);
  assert.equal(att.authorization, 'Bearer app-token');
  assert.equal(att['x-tenant-id'], 'tenant-7');
  assert.equal(att['x-user-id'], 'u-42');
  assert.equal(att['x-not-listed'], undefined);
  assert.equal(att.cookie, undefined);
  assertTrace(att);
});

test('Java Dubbo 3.3 provider receives allow-listed attachments and ' +
  'trace context (its ContextFilter hides authorization from RpcContext)', async () => {
  const att = await invoke('matrix33', 'attachments', []);
  assert.equal(att['x-tenant-id'], 'tenant-7');
  assert.equal(att['x-user-id'], 'u-42');
  assert.equal(att['x-not-listed'], undefined);
  assert.equal(att.cookie, undefined);
  assertTrace(att);
});

test('gRPC server receives allow-listed headers as metadata, not the others; per-service exclude applies', async () => {
  const { metadata } = (await invoke('meta', 'Echo', { tag: 'a' })) as unknown as { metadata: Record<string, string> };
  assert.equal(metadata.authorization, 'Bearer app-token');
  assert.equal(metadata['x-tenant-id'], 'tenant-7');
  assert.equal(metadata['x-user-id'], 'u-42');
  assert.equal(metadata['x-not-listed'], undefined);
  assert.equal(metadata.cookie, undefined);
  assertTrace(metadata);
  const { metadata: noAuth } = (await invoke('metaNoAuth', 'Echo', { tag: 'b' })) as unknown as { metadata: Record<string, string> };
  assert.equal(noAuth.authorization, undefined);
  assert.equal(noAuth['x-tenant-id'], 'tenant-7');
});
