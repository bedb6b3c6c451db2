/**
 * The gRPC service loader (loader.ts) reads the protos with protobufjs alone: the method table grpc-js would
 * make (paths, streaming flags), the services it lists when the configured one is missing, and the imports
 * @grpc/proto-loader resolves (include dirs, Google's well-known protos protobufjs does not build in).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadService } from '../../../../src/protocols/grpc/loader.js';
import type { GrpcServiceConfig } from '../../../../src/protocols/grpc/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-grpc-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function proto(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const service = (file: string, name: string, includeDirs: string[] = []) =>
  ({ name: 'svc', protocol: 'grpc', proto: [file], includeDirs, service: name }) as unknown as GrpcServiceConfig;

const TAGGED = proto(
  'tagged.proto',
  `syntax = "proto3";
package demo.v1;
import "google/protobuf/descriptor.proto";
import "shared/types.proto";
extend google.protobuf.MethodOptions { string tag = 50001; }
service Feed {
  rpc GetItem(demo.shared.Item) returns (demo.shared.Item) { option (tag) = "read"; }
  rpc Watch(demo.shared.Item) returns (stream demo.shared.Item);
  rpc Upload(stream demo.shared.Item) returns (demo.shared.Item);
}
message Holder { message Inner { int32 x = 1; } Inner inner = 1; }
`,
);
proto(
  'include/shared/types.proto',
  'syntax = "proto3";\npackage demo.shared;\nmessage Item { string id = 1; }\nservice Other { rpc Ping(Item) returns (Item); }\n',
);

test('methods: the path grpc-js calls, streaming flags, by proto and lowerCamelCase name; custom options load', () => {
  const loaded = loadService(service(TAGGED, 'demo.v1.Feed', [join(dir, 'include')]));
  assert.equal(loaded.fullName, 'demo.v1.Feed');
  const get = loaded.methods.get('GetItem')!;
  assert.equal(loaded.methods.get('getItem'), get);
  assert.deepEqual(
    { path: get.path, requestStream: get.requestStream, responseStream: get.responseStream, type: get.requestType.fullName },
    { path: '/demo.v1.Feed/GetItem', requestStream: false, responseStream: false, type: '.demo.shared.Item' },
  );
  assert.deepEqual([loaded.methods.get('Watch')!.responseStream, loaded.methods.get('upload')!.requestStream], [true, true]);
  assert.equal(loaded.resolve('.demo.v1.Holder.Inner')?.fullName, '.demo.v1.Holder.Inner');
});

test('a service the protos lack is an error naming every service they have', () => {
  assert.throws(
    () => loadService(service(TAGGED, 'demo.v1.Nope', [join(dir, 'include')])),
    /^Error: services\.svc\.service: no service "demo\.v1\.Nope" in .*tagged\.proto \(found: demo\.v1\.Feed, demo\.shared\.Other\)$/,
  );
  assert.throws(() => loadService(service(TAGGED, 'demo.v1.Holder', [join(dir, 'include')])), /no service "demo\.v1\.Holder"/);
});

test('an import found nowhere, and a broken proto, are errors naming the config path and the files', () => {
  assert.throws(() => loadService(service(TAGGED, 'demo.v1.Feed')), /^Error: services\.svc\.proto: cannot load .*tagged\.proto: /);
  const broken = proto('broken.proto', 'syntax = "proto3";\nmessage {\n');
  assert.throws(() => loadService(service(broken, 'a.B')), /services\.svc\.proto: cannot load .*broken\.proto: illegal/);
});
