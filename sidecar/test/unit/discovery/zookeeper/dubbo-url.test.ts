import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  categoryPath,
  formatDubboUrl,
  javaUrlDecode,
  javaUrlEncode,
  matchesProvider,
  parseDubboUrl,
  toZkNodeName,
  urlNodePath,
} from '../../../../src/discovery/zookeeper/dubbo-url.js';
import { consumerUrl, endpointFromUrl } from '../../../../src/discovery/zookeeper/providers.js';

const JAVA_NODE =
  'dubbo%3A%2F%2F10.0.0.5%3A20880%2Fcom.foo.DemoService%3Fanyhost%3Dtrue%26application%3Ddemo-provider%26dubbo%3D2.0.2%26group%3Dg1' +
    '%26interface%3Dcom.foo.DemoService%26methods%3DsayHello%2CsayHi%26prefer.serialization%3Dhessian2%2Cfastjson2' +
    '%26side%3Dprovider%26timeout%3D3000%26version%3D1.0.0%26weight%3D50';

test('parses a provider node name as Java writes it', () => {
  const u = parseDubboUrl(JAVA_NODE);
  assert.equal(u.protocol, 'dubbo');
  assert.equal(u.host, '10.0.0.5');
  assert.equal(u.port, 20880);
  assert.equal(u.path, 'com.foo.DemoService');
  assert.equal(u.params.methods, 'sayHello,sayHi');
  assert.equal(u.params['prefer.serialization'], 'hessian2,fastjson2');
  const ep = endpointFromUrl(u);
  assert.deepEqual([ep.id, ep.address, ep.weight], ['10.0.0.5:20880', '10.0.0.5:20880', 50]);
  // format + encode gives back the same node name (parameters sorted, like toFullString)
  assert.equal(toZkNodeName(u), JAVA_NODE);
});

test('Java URLEncoder compatibility', () => {
  assert.equal(javaUrlEncode('a b*c.d-e_f~g!'), 'a+b*c.d-e_f%7Eg%21');
  assert.equal(javaUrlDecode('a+b%2Cc'), 'a b,c');
  assert.equal(javaUrlEncode('dubbo://h:1/p?a=1&b=2'), 'dubbo%3A%2F%2Fh%3A1%2Fp%3Fa%3D1%26b%3D2');
});

test('other schemes, IPv6, credentials, no query', () => {
  const j = parseDubboUrl('jsonrpc://127.0.0.1:8080/com.foo.Calc?interface=com.foo.Calc');
  assert.equal(endpointFromUrl(j).address, 'http://127.0.0.1:8080/com.foo.Calc');
  const t = parseDubboUrl('tri://[::1]:50051/com.foo.Greeter');
  assert.deepEqual([t.host, t.port, t.path], ['::1', 50051, 'com.foo.Greeter']);
  assert.equal(formatDubboUrl(t), 'tri://[::1]:50051/com.foo.Greeter');
  const c = parseDubboUrl('zookeeper://u:p@zk:2181/org.apache.dubbo.registry.RegistryService');
  assert.deepEqual([c.username, c.password, c.host, c.port], ['u', 'p', 'zk', 2181]);
  assert.throws(() => parseDubboUrl('not a url'));
  const p = parseDubboUrl('dubbo://h:1/x?__proto__=1&a');
  assert.equal(Object.getPrototypeOf(p.params), null);
  assert.equal(p.params.a, 'a');
});

test('ZooKeeper paths', () => {
  assert.equal(categoryPath('/dubbo', 'com.foo.S', 'providers'), '/dubbo/com.foo.S/providers');
  assert.equal(categoryPath('/dubbo/', 'com.foo.S', 'consumers'), '/dubbo/com.foo.S/consumers');
  assert.ok(
    urlNodePath('/dubbo', 'com.foo.S', 'consumers', 'consumer://1.2.3.4/com.foo.S?a=b').endsWith(
      '/consumers/consumer%3A%2F%2F1.2.3.4%2Fcom.foo.S%3Fa%3Db',
    ),
  );
  const cu = consumerUrl({ ip: '1.2.3.4', interface: 'com.foo.S', application: 'ferry', version: '1.0.0' });
  assert.match(
    formatDubboUrl(cu),
    new RegExp(
      '^consumer://1\\.2\\.3\\.4/com\\.foo\\.S\\?application=ferry&category=consumers&check=false&dubbo=2\\.0\\.2' +
        '&interface=com\\.foo\\.S&pid=\\d+&side=consumer&timestamp=\\d+&version=1\\.0\\.0$',
    ),
  );
});

test('provider matching follows UrlUtils.isMatch', () => {
  const p = (q: string, scheme = 'dubbo') => parseDubboUrl(`${scheme}://h:1/com.foo.S?interface=com.foo.S${q}`);
  const f = (o: { version?: string; group?: string }) => ({ interface: 'com.foo.S', protocols: ['dubbo'], ...o });
  assert.ok(matchesProvider(p(''), f({})));
  assert.ok(!matchesProvider(p('&version=1.0.0'), f({})));
  assert.ok(matchesProvider(p('&version=1.0.0'), f({ version: '1.0.0' })));
  assert.ok(matchesProvider(p('&version=1.0.0'), f({ version: '*' })));
  assert.ok(!matchesProvider(p('&version=2.0.0'), f({ version: '1.0.0' })));
  assert.ok(matchesProvider(p('&group=a'), f({ group: 'a' })));
  assert.ok(matchesProvider(p('&group=b'), f({ group: 'a,b' })));
  assert.ok(matchesProvider(p('&group=b'), f({ group: '*' })));
  assert.ok(!matchesProvider(p('&group=b'), f({})));
  assert.ok(!matchesProvider(p(''), f({ group: 'a' })));
  assert.ok(!matchesProvider(p('&enabled=false'), f({})));
  assert.ok(!matchesProvider(p('', 'jsonrpc'), f({})));
  assert.ok(!matchesProvider(parseDubboUrl('dubbo://h:1/com.foo.Other?interface=com.foo.Other'), f({})));
});
