import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The gRPC baseline: ferry.bench.Greeter/SayHello on @grpc/grpc-js. Run as its own process. */
const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));

const port = Number(process.argv[2] ?? 0);
const definition = protoLoader.loadSync(BENCH_PROTO, { keepCase: true, longs: String });
const greeter = (grpc.loadPackageDefinition(definition) as unknown as { ferry: { bench: { Greeter: grpc.ServiceClientConstructor } } })
  .ferry.bench.Greeter;
const server = new grpc.Server();
server.addService(greeter.service, {
  SayHello(call: grpc.ServerUnaryCall<{ name: string; id: string; tags: string[] }, unknown>, callback: grpc.sendUnaryData<unknown>) {
    const { name, id, tags } = call.request;
    callback(null, { message: `hello ${name}`, id, tags });
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
});
