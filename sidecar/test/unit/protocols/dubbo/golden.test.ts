/**
 * Golden frames captured between a real Java Dubbo 3.3.6 consumer and provider (sidecar/test/fixtures/dubbo, see its
 * README): Ferry's codec and body modules decode every one of them to what the Java consumer itself saw
 * (manifest.json), and Ferry's encoder writes the same bytes as Java for the typed requests' arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeEvent } from '../../../../src/protocols/dubbo/codec.js';
import { decodeRequestBody, decodeResponseBody, encodeRequestBody, GENERIC_PARAMETER_DESC } from '../../../../src/protocols/dubbo/body.js';
import {
  HessianDecoder,
  decodeException,
  fromJava,
  splitDescriptor,
  toJava,
  typeFromDescriptor,
  formatJavaType,
} from '../../../../src/protocols/hessian/index.js';

import {
  CLASSES,
  RETURNS,
  USER,
  declaredTypes,
  fixtureManifest,
  fixtureFrame as frameOf,
  normalize,
  withoutClass,
  FIXTURES_DIR as DIR,
  type ManifestFrame,
} from '../../../support/dubbo-fixtures.js';

const manifest = fixtureManifest() ?? { frames: [] as ManifestFrame[] };
const skip = manifest.frames.length === 0 && 'no golden frames in sidecar/test/fixtures/dubbo';
const json = (v: unknown) => JSON.parse(JSON.stringify(v));

const requests = manifest.frames.filter((f) => f.dir === 'c2s' && !f.event);
const responses = manifest.frames.filter((f) => f.dir === 's2c' && !f.event);
const requestFor = (res: ManifestFrame) => manifest.frames.find((f) => f.dir === 'c2s' && f.id === res.id)!;

test('golden frames: the manifest covers typed, generic, exception, null, void and heartbeat frames', { skip }, () => {
  const files = new Set(manifest.frames.map((f) => f.file));
  for (const f of [
    'typed-echoUser.request.bin',
    'typed-getUser-404.response.bin',
    'typed-record.response.bin',
    'generic-getUser.response.bin',
    'heartbeat.request.bin',
    'heartbeat.response.bin',
  ]) {
    assert.ok(files.has(f), f);
  }
  assert.ok(requests.length >= 20, `${requests.length} requests`);
});

test('golden frames: headers decode to the captured id, flag, status, serialization and length', { skip }, () => {
  for (const m of manifest.frames) {
    const f = frameOf(m);
    assert.equal(f.id, BigInt(m.id), m.file);
    assert.equal(f.request, m.dir === 'c2s', m.file);
    assert.equal(f.twoWay, m.twoWay, m.file);
    assert.equal(f.event, m.event, m.file);
    assert.equal(f.serializationId, m.serialization, m.file);
    assert.equal(f.serializationId, 2, `${m.file}: hessian2`);
    assert.equal(f.status, m.status, m.file);
    assert.equal(f.body.length, m.bodyLength, m.file);
    assert.equal(readFileSync(DIR + m.file)[2], Number(m.flag), m.file);
    assert.equal(f.rejected, undefined, m.file);
  }
});

test('golden frames: heartbeat request and answer (same id, event flag, status 20, Hessian null body)', { skip }, () => {
  const req = frameOf(manifest.frames.find((f) => f.file === 'heartbeat.request.bin')!);
  const res = frameOf(manifest.frames.find((f) => f.file === 'heartbeat.response.bin')!);
  assert.deepEqual(decodeEvent(req), { kind: 'heartbeat' });
  assert.deepEqual(decodeEvent(res), { kind: 'heartbeat' });
  assert.equal(req.id, res.id);
  assert.equal(res.status, 20);
  assert.equal(readFileSync(DIR + 'heartbeat.request.bin')[2], 0xe2);
  assert.equal(readFileSync(DIR + 'heartbeat.response.bin')[2], 0x22);
});

test('golden frames: request bodies decode to the Java consumer\'s method, descriptor, arguments and attachments', { skip }, () => {
  for (const m of requests) {
    const r = decodeRequestBody(frameOf(m).body);
    assert.equal(r.dubboVersion, m.dubboVersion, m.file);
    assert.equal(r.path, m.path, m.file);
    assert.equal(r.version, m.version, m.file);
    assert.equal(r.method, m.kind === 'generic' ? '$invoke' : m.method, m.file);
    assert.equal(r.parameterDesc, m.desc, m.file);
    assert.equal(r.attachments.path, m.path, m.file);
    assert.equal(r.attachments.interface, m.path, m.file);
    assert.equal(r.attachments.version, m.version, m.file);
    assert.match(String(r.attachments.timeout), /^\d+$/, m.file);
    assert.equal(r.attachments.group, undefined, `${m.file}: no group key without a group`);
    if (m.kind === 'generic') {
      assert.equal(r.parameterDesc, GENERIC_PARAMETER_DESC);
      assert.equal(r.attachments.generic, 'true', m.file);
      const [method, types, values] = r.args as [string, unknown[], unknown[]];
      const expected = m.args as { types: string[]; values: unknown[] };
      assert.equal(method, m.genericMethod, m.file);
      assert.deepEqual(types, expected.types, m.file);
      const got = values.map((v, i) => json(fromJava(v, expected.types[i], { generic: true, classes: CLASSES })));
      assert.deepEqual(normalize(got), normalize(withoutClass(expected.values)), m.file);
    } else {
      assert.equal(r.attachments['x-tenant-id'], 't1', m.file);
      // declared generics come from the interface, not the descriptor (Ljava/util/Map; says nothing of Long values)
      const declared = declaredTypes(m);
      const got = r.args.map((a, i) => json(fromJava(a, declared[i], { classes: CLASSES })));
      assert.deepEqual(normalize(got), normalize(m.args), m.file);
    }
  }
});

test('golden frames: response bodies decode to what the Java consumer saw (all response flags, exceptions, attachments)', { skip }, () => {
  const flags = new Set<number>();
  for (const m of responses) {
    const req = requestFor(m);
    const f = frameOf(m);
    assert.equal(f.status, 20, m.file);
    assert.equal(f.body[0], 0x90 + m.responseFlag!, `${m.file}: flag written as a compact Hessian int`);
    flags.add(m.responseFlag!);
    const r = decodeResponseBody(f.body);
    const generic = req.kind === 'generic';
    // response attachments on the wire: what Java printed minus the sizes Dubbo adds locally
    const { output: _o, input: _i, ...wireAttachments } = m.responseAttachments ?? {};
    assert.deepEqual({ ...r.attachments }, wireAttachments, m.file);
    if (m.ok === false) {
      assert.equal(r.kind, 'exception', m.file);
      const ex = decodeException(r.kind === 'exception' ? r.exception : null, (v) => fromJava(v));
      assert.equal(ex.exceptionClass, m.exceptionClass ?? m.exception, m.file);
      // GenericException is unwrapped: the original class and message
      if (generic) assert.equal(ex.message, 'user 404 not found', m.file);
      else assert.equal(ex.message, m.message, m.file);
      continue;
    }
    if (m.value === null) {
      assert.equal(r.kind, 'null', m.file);
      continue;
    }
    assert.equal(r.kind, 'value', m.file);
    const method = req.kind === 'generic' ? req.genericMethod! : req.method!;
    const got = json(fromJava(r.kind === 'value' ? r.value : null, RETURNS[method], { classes: CLASSES, generic }));
    assert.deepEqual(normalize(got), normalize(generic ? withoutClass(m.value) : m.value), m.file);
  }
  assert.deepEqual([...flags].sort(), [3, 4, 5], 'a 2.0.2 request gets the with-attachments flags');
});

/**
 * Java writes a POJO's class definition with its fields in reverse declaration order (hessian-lite, JDK 17), Ferry
 * in the order of `classes:` (declaration order above): field order is free in Hessian (fields are matched by
 * name), so here the classes are given in Java's order to compare bytes.
 */
const JAVA_ORDER: Record<string, Record<string, string>> = Object.fromEntries(
  Object.entries(CLASSES).map(([c, f]) => [c, Object.fromEntries(Object.entries(f).reverse())]),
);
// the Java sample's attributes map is a LinkedHashMap, which Java writes as a typed map
JAVA_ORDER[USER]!.attributes = 'java.util.LinkedHashMap<java.lang.String,java.lang.String>';

test('golden frames: Ferry encodes the typed requests\' arguments byte for byte as Java does', { skip }, () => {
  const differ: string[] = [];
  for (const m of requests.filter((f) => f.kind !== 'generic' && !f.aliasOf)) {
    const javaBody = frameOf(m).body;
    const java = decodeRequestBody(javaBody);
    const types = m.desc ? splitDescriptor(m.desc).map(typeFromDescriptor).map(formatJavaType) : [];
    // the Java consumer passed a LinkedHashMap (a typed map on the wire); Ferry writes java.util.Map as Java's HashMap does
    const declared = m.method === 'echoMap' ? ['java.util.LinkedHashMap<java.lang.String,java.lang.Long>'] : types;
    const ferryBody = encodeRequestBody({
      dubboVersion: '2.0.2',
      path: m.path!,
      version: m.version!,
      method: m.method!,
      parameterDesc: m.desc!,
      args: (m.args as unknown[]).map((a, i) => toJava(a, declared[i], { classes: JAVA_ORDER })),
      attachments: { ...java.attachments, dubbo: undefined },
    });
    // everything before the attachments map: head strings + arguments
    const headAndArgs = (body: Buffer) => {
      const d = new HessianDecoder(body);
      for (let i = 0; i < 5 + types.length; i++) d.read();
      return body.subarray(0, d.position);
    };
    const j = headAndArgs(javaBody);
    const f = headAndArgs(ferryBody);
    if (!j.equals(f))
      differ.push(`${m.file}:\n  java  ${j.subarray(0, 400).toString('hex')}\n  ferry ${f.subarray(0, 400).toString('hex')}`);
    // and the whole request decodes to the same thing
    const back = decodeRequestBody(ferryBody);
    assert.equal(back.method, java.method);
    assert.deepEqual(
      json(back.args.map((a, i) => fromJava(a, declared[i], { classes: CLASSES }))),
      json(java.args.map((a, i) => fromJava(a, declared[i], { classes: CLASSES }))),
      m.file,
    );
  }
  assert.deepEqual(differ, []);
});
