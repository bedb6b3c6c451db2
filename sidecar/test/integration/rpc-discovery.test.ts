/**
 * JSON-RPC and gRPC services found in a real ZooKeeper: `jsonrpc://` provider URLs (as Dubbo's jsonrpc
 * protocol registers them) and `tri://` ones (Dubbo 3 Triple IDL services are plain gRPC), version/group
 * matching, and the list following the registry.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import jayson from 'jayson';
import { request } from 'undici';
import { invokePath, type ErrorBody } from '@ferry/sdk/contract';
import { startZooKeeper, type ZooKeeperServer } from '../harness/zookeeper.js';
import { registerProvider, type Registration } from '../../src/discovery/zookeeper/providers.js';
import { parseDubboUrl } from '../../src/discovery/zookeeper/dubbo-url.js';
import type { ZooKeeperConfig } from '../../src/discovery/zookeeper/schema.js';
import { startSidecar, eventually, type TestSidecar } from '../support/helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/grpc/', import.meta.url));

let zk: ZooKeeperServer;
let rpc: Server;
let rpcPort = 0;
const rpcPaths: string[] = [];
let grpcServer: grpc.Server;
let grpcPort = 0;
let ferry: TestSidecar;
const registrations: Registration[] = [];
let registry: ZooKeeperConfig;

before(async () => {
  zk = await startZooKeeper();
  registry = {
    type: 'zookeeper',
    address: zk.address,
    root: '/dubbo',
    sessionTimeoutMs: 10000,
    connectTimeoutMs: 10000,
    discovery: 'auto',
    instancePollMs: 5000,
  };

  rpc = new jayson.Server({
    add(args: unknown, cb: (e: unknown, r?: unknown) => void) {
      cb(null, (args as number[]).reduce((a, b) => a + b, 0));
    },
  }).http();
  rpc.on('request', (req) => rpcPaths.push(req.url ?? ''));
  await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve));
  rpcPort = (rpc.address() as AddressInfo).port;

  const definition = protoLoader.loadSync(join(FIXTURES, 'lab.proto'), { keepCase: true, includeDirs: [join(FIXTURES, 'include')] });
  const lab = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { test: { Lab: grpc.ServiceClientConstructor } } }).ferry.test
    .Lab;
  grpcServer = new grpc.Server();
  grpcServer.addService(lab.service, {
    Whoami(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) if (typeof v === 'string') fields[k] = { stringValue: v };
      cb(null, { fields });
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );

  const common = `application=calc-provider&dubbo=2.0.2&side=provider&timestamp=${Date.now()}`;
  registrations.push(
    await registerProvider(
      registry,
      parseDubboUrl(`jsonrpc://127.0.0.1:${rpcPort}/com.example.Calc?interface=com.example.Calc&methods=add&version=1.0.0&${common}`),
    ),
    // A provider of another version: not picked.
    await registerProvider(
      registry,
      parseDubboUrl(`jsonrpc://127.0.0.1:1/com.example.Calc?interface=com.example.Calc&methods=add&version=2.0.0&${common}`),
    ),
    await registerProvider(
      registry,
      parseDubboUrl(`tri://127.0.0.1:${grpcPort}/ferry.test.Lab?interface=ferry.test.Lab&version=1.0.0&group=blue&${common}`),
    ),
  );

  ferry = await startSidecar(`
registries:
  zk: { address: "${zk.address}" }
defaults: { retries: 0 }
resilience: { emptyListProtectionMs: 0 }  # a provider gone is gone at once here (the protection: faults/empty-registry)
services:
  calc: { protocol: jsonrpc, registry: zk, interface: com.example.Calc, version: 1.0.0 }
  calc-at-path: { protocol: jsonrpc, registry: zk, interface: com.example.Calc, version: 1.0.0, path: /rpc/calc }
  lab:
    protocol: grpc
    registry: zk
    proto: ["${join(FIXTURES, 'lab.proto')}"]
    includeDirs: ["${join(FIXTURES, 'include')}"]
    service: ferry.test.Lab
    version: 1.0.0
    group: blue
`);
  await ferry.sidecar.runtime().router.ready();
});

after(async () => {
  await ferry?.close();
  for (const r of registrations) await r.close().catch(() => {});
  rpc?.closeAllConnections();
  rpc?.close();
  grpcServer?.forceShutdown();
  await zk?.stop();
});

async function invoke(service: string, method: string, body: unknown) {
  const res = await request(`${ferry.url}${invokePath(service, method)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as unknown };
}

test('a jsonrpc:// provider from ZooKeeper: POST http://host:port/{interface}, version matched', async () => {
  const res = await invoke('calc', 'add', [20, 22]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body, 42);
  assert.equal(rpcPaths.at(-1), '/com.example.Calc');
  const atPath = await invoke('calc-at-path', 'add', [1, 1]);
  assert.equal(atPath.body, 2);
  assert.equal(rpcPaths.at(-1), '/rpc/calc');
});

test('a tri:// provider from ZooKeeper is called as gRPC with tri-service-version/group metadata', async () => {
  const res = await invoke('lab', 'Whoami', {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const md = res.body as Record<string, string>;
  assert.equal(md['tri-service-version'], '1.0.0');
  assert.equal(md['tri-service-group'], 'blue');
});

test('the endpoint list follows the registry: provider gone → 503, back → served', async () => {
  const jsonrpc = registrations[0]!;
  await jsonrpc.close();
  await eventually(async () => (await invoke('calc', 'add', [1])).status === 503, 10000);
  const gone = await invoke('calc', 'add', [1]);
  assert.equal((gone.body as ErrorBody).code, 'FERRY_ERR_NO_ENDPOINT');
  registrations[0] = await registerProvider(
    registry,
    parseDubboUrl(
      `jsonrpc://127.0.0.1:${rpcPort}/com.example.Calc?interface=com.example.Calc` +
        `&methods=add&version=1.0.0&side=provider&timestamp=${Date.now()}`,
    ),
  );
  await eventually(async () => (await invoke('calc', 'add', [1, 2])).status === 200, 10000);
});
