/**
 * Dubbo 3 ServiceDefinition (metadata in ZooKeeper): path, parsing of untrusted registry data, and how a call's
 * missing parameter/return types are filled in from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataPath, parseServiceDefinition } from '../../../../src/discovery/zookeeper/metadata.js';
import { completeTarget, parseSignature, targetOf, type DubboTarget } from '../../../../src/protocols/dubbo/client.js';
import type { Call } from '../../../../src/pipeline/types.js';
import type { DubboServiceConfig } from '../../../../src/protocols/dubbo/schema.js';
import { FerryError } from '../../../../src/errors.js';

/** Trimmed from what a Dubbo 3.3.6 provider published for TypeMatrixService (see dubbo-types.test.ts). */
const DEFINITION = JSON.stringify({
  annotations: [],
  canonicalName: 'com.example.ferry.api.TypeMatrixService',
  codeSource: 'ferry-dubbo-peers-3.3.jar',
  methods: [
    { annotations: [], name: 'echo', parameterTypes: ['java.lang.String', 'int'], parameters: [], returnType: 'java.lang.String' },
    { annotations: [], name: 'echo', parameterTypes: ['com.example.ferry.api.User'], parameters: [], returnType: 'java.lang.String' },
    { annotations: [], name: 'echo', parameterTypes: ['java.lang.String'], parameters: [], returnType: 'java.lang.String' },
    {
      annotations: [],
      name: 'echoUsers',
      parameterTypes: ['java.util.List<com.example.ferry.api.User>'],
      parameters: [],
      returnType: 'java.util.List<com.example.ferry.api.User>',
    },
    { annotations: [], name: 'maxLong', parameterTypes: [], parameters: [], returnType: 'long' },
    { annotations: [], name: 'broken', parameterTypes: [42], returnType: 'x' },
  ],
  parameters: { interface: 'com.example.ferry.api.TypeMatrixService' },
  types: [
    { enums: [], items: [], properties: { seconds: 'long', nanos: 'int' }, type: 'java.time.Instant' },
    { enums: [], items: ['com.example.ferry.api.User'], properties: {}, type: 'java.util.List<com.example.ferry.api.User>' },
    { enums: ['RED', 'GREEN', 'BLUE'], items: [], properties: {}, type: 'com.example.ferry.api.Color' },
    {
      enums: [],
      items: [],
      properties: { birthday: 'java.util.Date', id: 'long', ['__proto__']: 'x' },
      type: 'com.example.ferry.api.User',
    },
  ],
  uniqueId: 'com.example.ferry.api.TypeMatrixService@ferry-dubbo-peers-3.3.jar',
});

test('metadata path: empty version/group segments are left out, as Dubbo writes them', () => {
  assert.equal(
    metadataPath('/dubbo', { interface: 'com.example.ferry.api.TypeMatrixService', version: '1.0.0', application: 'ferry-java-provider' }),
    '/dubbo/metadata/com.example.ferry.api.TypeMatrixService/1.0.0/provider/ferry-java-provider',
  );
  assert.equal(
    metadataPath('/dubbo/', { interface: 'a.B', version: '2.0.0', group: 'green', application: 'app' }),
    '/dubbo/metadata/a.B/2.0.0/green/provider/app',
  );
  assert.equal(metadataPath('/', { interface: 'a.B', application: 'app' }), '/metadata/a.B/provider/app');
});

test('ServiceDefinition parsing: methods, POJO field types (JDK types and generic containers left out), bad entries dropped', () => {
  const def = parseServiceDefinition(DEFINITION);
  assert.equal(def.canonicalName, 'com.example.ferry.api.TypeMatrixService');
  assert.deepEqual(def.methods.map((m) => `${m.name}(${m.parameterTypes.join(',')})${m.returnType}`), [
    'echo(java.lang.String,int)java.lang.String',
    'echo(com.example.ferry.api.User)java.lang.String',
    'echo(java.lang.String)java.lang.String',
    'echoUsers(java.util.List<com.example.ferry.api.User>)java.util.List<com.example.ferry.api.User>',
    'maxLong()long',
  ]);
  assert.deepEqual(Object.keys(def.classes), ['com.example.ferry.api.User']);
  assert.deepEqual({ ...def.classes['com.example.ferry.api.User'] }, { birthday: 'java.util.Date', id: 'long' });
  assert.equal(Object.getPrototypeOf(def.classes['com.example.ferry.api.User']), null);
  assert.throws(() => parseServiceDefinition('{"methods": []}'), /not a Dubbo ServiceDefinition/);
  assert.throws(() => parseServiceDefinition('not json'));
});

test('completeTarget: parameter types by name and argument count, return types, ambiguous overloads refused', () => {
  const def = parseServiceDefinition(DEFINITION);
  const base: DubboTarget = {
    interface: 'com.example.ferry.api.TypeMatrixService',
    method: 'echo',
    parameterTypes: [],
    invocation: 'generic',
  };
  assert.deepEqual(completeTarget(base, def, ['ab', 2]).parameterTypes, ['java.lang.String', 'int']);
  assert.equal(completeTarget(base, def, ['ab', 2]).returns, 'java.lang.String');
  assert.throws(
    () => completeTarget(base, def, ['x']),
    (e: FerryError) =>
      e.code === 'FERRY_ERR_BAD_ARGUMENTS' &&
      /overloaded with 1 parameter\(s\): \(com\.example\.ferry\.api\.User\), \(java\.lang\.String\)/.test(e.message),
  );
  // declared types win; the return type is found for them
  const declared = completeTarget({ ...base, parameterTypes: ['com.example.ferry.api.User'] }, def, [{}]);
  assert.deepEqual(declared.parameterTypes, ['com.example.ferry.api.User']);
  assert.equal(declared.returns, 'java.lang.String');
  // a lone JSON object is one argument; generics survive
  const users = completeTarget({ ...base, method: 'echoUsers' }, def, [[]]);
  assert.deepEqual(users.parameterTypes, ['java.util.List<com.example.ferry.api.User>']);
  assert.equal(users.returns, 'java.util.List<com.example.ferry.api.User>');
  assert.equal(completeTarget({ ...base, method: 'maxLong' }, def, []).returns, 'long');
  // unknown method: left alone (the provider says it)
  assert.deepEqual(completeTarget({ ...base, method: 'nope' }, def, [1]), { ...base, method: 'nope' });
  // no overload takes that many: a local 400 saying what they take (not "takes 0 argument(s)"), `[]` included
  for (const args of [[1, 2, 3], []]) {
    assert.throws(
      () => completeTarget(base, def, args),
      (e: FerryError) =>
        e.code === 'FERRY_ERR_BAD_ARGUMENTS' &&
        e.message ===
          'com.example.ferry.api.TypeMatrixService.echo takes (java.lang.String, int) or (com.example.ferry.api.User) ' +
            `or (java.lang.String); got ${args.length} argument(s)`,
      JSON.stringify(args),
    );
  }
  // a declared return type is kept
  assert.equal(completeTarget({ ...base, method: 'maxLong', returns: 'java.lang.Object' }, def, []).returns, 'java.lang.Object');
});

test('methods called by signature pick an overload: echo(java.lang.String, int)', () => {
  assert.deepEqual(parseSignature('echo(java.lang.String, int)'), { name: 'echo', parameterTypes: ['java.lang.String', 'int'] });
  assert.deepEqual(parseSignature('put(java.util.Map<java.lang.String,java.lang.Long>,long[])'), {
    name: 'put',
    parameterTypes: ['java.util.Map<java.lang.String,java.lang.Long>', 'long[]'],
  });
  assert.deepEqual(parseSignature('now()'), { name: 'now', parameterTypes: [] });
  assert.equal(parseSignature('echo'), undefined);
  assert.throws(() => parseSignature('echo(a,)'), (e: FerryError) => e.code === 'FERRY_ERR_BAD_REQUEST');

  const service = {
    name: 's',
    interface: 'a.B',
    invocation: 'generic',
    methods: {
      echo: { parameterTypes: ['java.lang.String'], returns: 'java.lang.String', oneWay: false },
      'find(java.lang.String,int)': { parameterTypes: [], returns: 'a.User', oneWay: false },
    },
  } as unknown as DubboServiceConfig;
  const call = (method: string) => ({ method, extra: undefined }) as unknown as Call;
  assert.deepEqual(targetOf(call('echo'), service).parameterTypes, ['java.lang.String']);
  const bySig = targetOf(call('echo(java.lang.String,int)'), service);
  assert.equal(bySig.method, 'echo');
  assert.deepEqual(bySig.parameterTypes, ['java.lang.String', 'int']);
  assert.equal(bySig.returns, undefined, "the declared echo's return type is for another overload");
  const declaredSig = targetOf(call('find(java.lang.String,int)'), service);
  assert.equal(declaredSig.method, 'find');
  assert.deepEqual(declaredSig.parameterTypes, ['java.lang.String', 'int']);
  assert.equal(declaredSig.returns, 'a.User');
  assert.throws(() => targetOf(call('other'), service), (e: FerryError) => e.code === 'FERRY_ERR_METHOD_NOT_FOUND');
});
