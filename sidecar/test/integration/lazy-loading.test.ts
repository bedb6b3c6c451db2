/**
 * A sidecar loads only the protocol stacks, registry clients and trace exporter its config uses: an HTTP-only
 * config never loads the Dubbo, Hessian, gRPC or protobuf code, nor the OpenTelemetry SDK, nor a registry's client;
 * a protocol or a registry type comes in when a reload configures it (a protocol also when an ad-hoc call first
 * needs it), and every protocol's local routes answer from the start. What is loaded is read from the CommonJS
 * module cache (those packages are CommonJS): this file runs in its own process, and its tests run in order (each
 * later one loads more).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.js';
import { createSidecar } from '../../src/sidecar.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

const cache = createRequire(import.meta.url).cache;
const LAB_PROTO = fileURLToPath(new URL('../../../test/fixtures/grpc/lab.proto', import.meta.url));
const LAB_INCLUDE = fileURLToPath(new URL('../../../test/fixtures/grpc/include', import.meta.url));

const STACKS = {
  dubbo: /node_modules\/hessian\.js\//,
  grpc: /node_modules\/(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)\//,
  'the OpenTelemetry SDK': /node_modules\/@opentelemetry\/(sdk-trace|resources|context-async-hooks)/,
  'the Zipkin exporter': /node_modules\/@opentelemetry\/exporter-zipkin\//,
  'the OTLP exporter': /node_modules\/@opentelemetry\/(exporter-trace-otlp|otlp-)/,
  'the ZooKeeper client': /node_modules\/node-zookeeper-client\//,
  // fetch, WebSocket, caches: the registries' and the app-health follower's clients use the entry point
  "undici's entry point": /node_modules\/undici\/(index\.js|lib\/web\/)/,
};
type Stack = keyof typeof STACKS;

function loaded(stack: Stack): boolean {
  return Object.keys(cache).some((file) => STACKS[stack].test(file));
}

const upstream = createHttpServer((_req, res) => res.end('hello'));
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
// a port nobody listens on (the calls to it fail to connect: the point is which code they load)
const closed = createServer();
await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
const deadPort = (closed.address() as AddressInfo).port;
await new Promise<void>((resolve) => closed.close(() => resolve()));
after(() => upstream.close());

const HTTP_ONLY = `listen: { port: 0 }
admin: { enabled: false }
services:
  up: { protocol: http, endpoints: ["${upstreamUrl}"] }
`;

async function start(yaml: string) {
  const config = parseConfig(yaml, 'test');
  const sidecar = await createSidecar({ config, logger: createLogger('silent'), metrics: createMetrics(new Registry()) });
  const { port } = await sidecar.start();
  return { sidecar, api: `http://127.0.0.1:${port}` };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const echo = { interface: 'com.example.Echo', method: 'echo' };

test('an HTTP-only config loads no Dubbo, gRPC, OpenTelemetry SDK or registry code; every local route answers', async () => {
  const { sidecar, api } = await start(`${HTTP_ONLY}adhoc: { enabled: false }\n`);
  try {
    const res = await fetch(`${api}/v1/proxy/up/x`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello');
    // the other protocols' routes are mounted: Ferry's own answers, not a missing route
    const batch = await post(`${api}/v1/batch/nope`, [{ method: 'm' }]);
    assert.equal(batch.status, 404);
    assert.equal(batch.headers.get('x-ferry-error'), 'FERRY_ERR_SERVICE_NOT_FOUND');
    const adhoc = await post(`${api}/v1/dubbo/invoke`, { ...echo, endpoint: `127.0.0.1:${deadPort}` });
    assert.equal(adhoc.status, 403);
    assert.equal(adhoc.headers.get('x-ferry-error'), 'FERRY_ERR_TARGET_NOT_ALLOWED');
    for (const stack of Object.keys(STACKS) as Stack[]) assert.equal(loaded(stack), false, `${stack} loaded`);
  } finally {
    await sidecar.close();
  }
});

test('an ad-hoc Dubbo call loads the Dubbo stack on its first call', async () => {
  const { sidecar, api } = await start(`${HTTP_ONLY}adhoc: { enabled: true, endpoints: ["127.0.0.1:*"] }\n`);
  try {
    assert.equal(loaded('dubbo'), false);
    const res = await post(`${api}/v1/dubbo/invoke`, { ...echo, endpoint: `127.0.0.1:${deadPort}` });
    assert.equal(res.headers.get('x-ferry-error'), 'FERRY_ERR_UPSTREAM_CONNECT', await res.text());
    assert.equal(loaded('dubbo'), true);
    assert.equal(loaded('grpc'), false);
  } finally {
    await sidecar.close();
  }
});

test('a reload that configures a new protocol loads it before its routes serve', async () => {
  const { sidecar, api } = await start(HTTP_ONLY);
  try {
    assert.equal(loaded('grpc'), false);
    const grpc =
      `  lab: { protocol: grpc, endpoints: ["127.0.0.1:${deadPort}"], service: ferry.test.Lab,\n` +
      `    proto: ["${LAB_PROTO}"], includeDirs: ["${LAB_INCLUDE}"] }\n`;
    await sidecar.reload(parseConfig(`${HTTP_ONLY}${grpc}`, 'test'));
    assert.equal(loaded('grpc'), true);
    const res = await post(`${api}/v1/invoke/lab/Echo`, {});
    assert.notEqual(res.headers.get('x-ferry-error'), 'FERRY_ERR_SERVICE_NOT_FOUND');
    assert.notEqual(res.status, 500, await res.text());
    assert.equal((await fetch(`${api}/v1/proxy/up/x`)).status, 200);
  } finally {
    await sidecar.close();
  }
});

test('tracing on loads the SDK and the configured exporter only', async () => {
  assert.equal(loaded('the OpenTelemetry SDK'), false);
  const tracing = 'tracing: { enabled: true, exporter: zipkin, endpoint: "http://127.0.0.1:9/api/v2/spans" }\n';
  const { sidecar, api } = await start(`${HTTP_ONLY}${tracing}`);
  try {
    assert.equal((await fetch(`${api}/v1/proxy/up/x`)).status, 200);
    assert.equal(loaded('the OpenTelemetry SDK'), true);
    assert.equal(loaded('the Zipkin exporter'), true);
    assert.equal(loaded('the OTLP exporter'), false);
  } finally {
    await sidecar.close();
  }
});

test('a reload that configures a registry loads its type before its routes are built', async () => {
  // a Eureka server knowing one app, ORDERS, at the upstream
  const port = Number(new URL(upstreamUrl).port);
  const instance = { instanceId: 'o1', app: 'ORDERS', status: 'UP', hostName: '127.0.0.1', port: { $: port, '@enabled': 'true' } };
  const eureka = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ applications: { apps__hashcode: 'UP_1_', application: [{ name: 'ORDERS', instance: [instance] }] } }));
  });
  await new Promise<void>((resolve) => eureka.listen(0, '127.0.0.1', resolve));
  const eurekaUrl = `http://127.0.0.1:${(eureka.address() as AddressInfo).port}/eureka`;
  const { sidecar, api } = await start(HTTP_ONLY);
  try {
    assert.equal(loaded("undici's entry point"), false);
    const registry = `registries: { eu: { type: eureka, serviceUrls: ["${eurekaUrl}"] } }\n`;
    const orders = '  orders: { protocol: http, registry: eu, app: orders }\n';
    await sidecar.reload(parseConfig(`${registry}${HTTP_ONLY}${orders}`, 'test'));
    assert.equal(loaded("undici's entry point"), true, 'the Eureka client loaded');
    const res = await fetch(`${api}/v1/proxy/orders/x`);
    assert.equal(res.status, 200, await res.text());
  } finally {
    await sidecar.close();
    eureka.close();
  }
});
