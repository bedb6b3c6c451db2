import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adhocPolicy, endpointPattern } from '../../../src/config/adhoc.js';
import { parseConfig, ConfigError } from '../../../src/config/load.js';

const policy = (endpoints: string[], registries: string[] = [], enabled = true) => adhocPolicy({ enabled, registries, endpoints });
const allows = (endpoints: string[], host: string, port: number) => policy(endpoints)({ host, port }) === undefined;

test('ad-hoc calls are off by default: every target is refused, naming adhoc.enabled', () => {
  const config = parseConfig('registries: { zk: { address: "127.0.0.1:2181" } }', 'test');
  assert.deepEqual(config.adhoc, { enabled: false, registries: [], endpoints: [] });
  const off = adhocPolicy(config.adhoc);
  assert.match(off({ registry: 'zk' })!, /adhoc\.enabled/);
  assert.match(off({ host: '127.0.0.1', port: 20880 })!, /adhoc\.enabled/);
  // even patterns that would match do not open anything while it is off
  assert.match(policy(['*:*'], ['zk'], false)({ host: '10.0.0.1', port: 1 })!, /off/);
});

test('registries: only the listed ones', () => {
  const p = policy([], ['zk']);
  assert.equal(p({ registry: 'zk' }), undefined);
  assert.match(p({ registry: 'other' })!, /registry "other" is not open to ad-hoc calls \(adhoc\.registries\)/);
  assert.match(p({ host: '10.0.0.1', port: 20880 })!, /matches none of adhoc\.endpoints/);
});

test('endpoint patterns: exact, CIDR, * octets, any port, names and *. suffixes', () => {
  assert.ok(allows(['10.1.2.3:20880'], '10.1.2.3', 20880));
  assert.ok(!allows(['10.1.2.3:20880'], '10.1.2.3', 20881));
  assert.ok(!allows(['10.1.2.3:20880'], '10.1.2.30', 20880));
  assert.ok(allows(['10.0.0.0/8:20880'], '10.200.3.4', 20880));
  assert.ok(!allows(['10.0.0.0/8:20880'], '11.0.0.1', 20880));
  assert.ok(allows(['10.0.*.*:*'], '10.0.7.9', 1234));
  assert.ok(!allows(['10.0.*.*:*'], '10.1.7.9', 1234));
  assert.ok(allows(['users.prod.svc:20880'], 'USERS.prod.svc', 20880));
  assert.ok(!allows(['users.prod.svc:20880'], 'users.prod.svc.evil.com', 20880));
  assert.ok(allows(['*.svc.cluster.local:*'], 'users.default.svc.cluster.local', 20880));
  assert.ok(!allows(['*.svc.cluster.local:*'], 'svc.cluster.local', 20880));
  assert.ok(!allows(['*.svc.cluster.local:*'], 'evilsvc.cluster.local', 20880));
  assert.ok(allows(['*:20880'], 'anything.example', 20880));
  assert.ok(!allows(['*:20880'], 'anything.example', 22));
  assert.ok(!allows([], '127.0.0.1', 20880));
});

test('address patterns match IP literals only, name patterns names only', () => {
  // a name that looks like the pattern's address (a resolver's search list could send it anywhere)
  assert.ok(!allows(['10.0.0.*:20880'], '10.0.0.evil', 20880));
  assert.ok(!allows(['10.0.0.0/24:20880'], '10.0.0.evil', 20880));
  // other spellings of an address are names to Ferry, and no address pattern admits them
  for (const host of ['127.1', '2130706433', '0x7f000001', '127.000.000.001']) {
    assert.ok(!allows(['127.0.0.0/8:*', '127.*.*.*:*'], host, 80), host);
  }
  // digits and stars make an address pattern
  assert.ok(allows(['*.0.0.1:*'], '127.0.0.1', 80));
  assert.ok(!allows(['*.0.0.1:*'], 'a.0.0.1', 80));
});

test('bad patterns and unknown registries are config errors naming the path', () => {
  const issues = (yaml: string): string[] => {
    try {
      parseConfig(yaml, 'test');
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  assert.deepEqual(
    issues(
      'adhoc: { enabled: true, registries: [nope], ' +
        'endpoints: ["10.0.0.1", "10.0.0.0/33:1", "10.0.0.1:0", "a*.b:1", "1.2.3:4", "*.ok.example:20880"] }',
    ),
    [
      'adhoc.endpoints[0]: expected HOST:PORT (PORT may be *)',
      'adhoc.endpoints[1]: not an IPv4 subnet (a.b.c.d/0-32)',
      'adhoc.endpoints[2]: port "0" is not 1-65535 or *',
      'adhoc.endpoints[3]: not a host name, or "*." before one (a * stands only for the leading labels)',
      'adhoc.endpoints[4]: not an IPv4 address or pattern (10.0.*.*)',
    ],
  );
  assert.deepEqual(issues('adhoc: { enabled: true, registries: [nope] }'), ['adhoc.registries[0]: no registry named "nope" (known: none)']);
  assert.equal(typeof endpointPattern('*.ok.example:20880'), 'object');
});

test('adhoc from the environment: lists comma-separated', () => {
  const env = {
    FERRY_ADHOC__ENABLED: 'true',
    FERRY_ADHOC__REGISTRIES: 'zk',
    FERRY_ADHOC__ENDPOINTS: '10.0.0.0/8:20880,*.svc.cluster.local:*',
  };
  const config = parseConfig('registries: { zk: { address: "127.0.0.1:2181" } }', 'test', env);
  assert.deepEqual(config.adhoc, { enabled: true, registries: ['zk'], endpoints: ['10.0.0.0/8:20880', '*.svc.cluster.local:*'] });
  assert.equal(adhocPolicy(config.adhoc)({ host: 'users.default.svc.cluster.local', port: 20880 }), undefined);
});
