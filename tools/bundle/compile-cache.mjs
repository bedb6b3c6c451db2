// Makes OUT/sidecar/dist/bundle/sidecar.js.cache, V8's code cache of the bundle's script, which main.js compiles
// the script with (cache-key.cjs: the file's format). Called by bundle.sh after single.mjs:
//   node tools/bundle/compile-cache.mjs OUT
// The cache holds the functions compiled so far, so the script runs here first, as main.js runs it: Ferry starts
// on a config with every protocol, Ferry as a Dubbo provider and tracing until /readyz answers, and serves a first
// call on each route (the upstreams are a closed port: their error paths are what it runs). Ferry's log goes to
// stdout. What a start runs and the cache lacks is compiled as usual.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';

if (!process.argv[2]) throw new Error('usage: node tools/bundle/compile-cache.mjs OUT');
const dir = resolve(process.argv[2], 'sidecar/dist/bundle');
const { CACHE_FILE, cacheFileContent } = createRequire(import.meta.url)('./cache-key.cjs');
const file = join(dir, 'sidecar.js');
const work = await mkdtemp(join(tmpdir(), 'ferry-compile-cache-'));
const CLOSED = '127.0.0.1:9';

const PROTO = `syntax = "proto3";
package warm;
message Hello { string name = 1; int64 id = 2; repeated string tags = 3; }
service Greeter { rpc SayHello(Hello) returns (Hello); }
`;

const config = (dubboPort) => `tracing: { enabled: true, sampleRatio: 1, exporter: zipkin, endpoint: "http://${CLOSED}/api/v2/spans" }
services:
  up: { protocol: http, endpoints: ["http://${CLOSED}"] }
  orders: { protocol: dubbo, interface: com.example.OrderService, endpoints: ["${CLOSED}"] }
  rpc: { protocol: jsonrpc, endpoints: ["http://${CLOSED}/rpc"] }
  greeter: { protocol: grpc, endpoints: ["${CLOSED}"], proto: ["${join(work, 'warm.proto')}"], service: warm.Greeter }
  echo: { protocol: triple, interface: com.example.Echo, endpoints: ["${CLOSED}"] }
inbound:
  app: { url: "http://${CLOSED}" }
  dubbo:
    host: 127.0.0.1
    port: ${dubboPort}
    services: [{ interface: com.example.Ping, methods: { ping: { http: "POST /ping", parameterTypes: [] } } }]
`;

/** A loopback port nobody listens on now. */
function freePort() {
  return new Promise((res, rej) => {
    const server = createServer().once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

function call(port, method, path, body) {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (answer) => {
      answer.resume();
      answer.once('end', () => res(answer.statusCode));
    });
    req.once('error', () => res(0));
    req.end(body);
  });
}

async function until(ready, timeoutMs) {
  for (const end = Date.now() + timeoutMs; !(await ready()); ) {
    if (Date.now() > end) throw new Error('compile-cache: Ferry did not become ready');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const [port, adminPort, dubboPort] = [await freePort(), await freePort(), await freePort()];
await writeFile(join(work, 'warm.proto'), PROTO);
await writeFile(join(work, 'ferry.yaml'), config(dubboPort));
process.argv = [process.execPath, join(dir, 'main.js'), '--config', join(work, 'ferry.yaml'), '--port', `${port}`, '--admin-port', `${adminPort}`];
const bytes = readFileSync(file);
const script = new Script(bytes.latin1Slice(), { filename: file });
script.runInThisContext()(createRequire(join(dir, 'main.js')), dir);
await until(async () => (await call(port, 'GET', '/readyz')) === 200, 30_000);
for (const path of ['/readyz', '/healthz', '/metrics']) await call(adminPort, 'GET', path);
for (const route of ['up/hello', 'orders/find', 'rpc/sum', 'greeter/SayHello', 'echo/echo']) await call(port, 'POST', `/v1/invoke/${route}`, '{}');
await call(port, 'GET', '/v1/proxy/up/hello');
await writeFile(join(dir, CACHE_FILE), cacheFileContent(bytes, script.createCachedData()));
await rm(work, { recursive: true, force: true });
process.exit(0);
