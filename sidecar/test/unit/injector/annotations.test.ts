import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ANNOTATIONS, podSettings } from '../../../src/injector/annotations.js';
import { parseInjectorConfig } from '../../../src/injector/config.js';
import { quantityValue } from '../../../src/injector/values.js';

const defaults = parseInjectorConfig('tls: { certFile: a, keyFile: b }', 't').sidecar;

test('Kubernetes quantities', () => {
  assert.equal(quantityValue('100m'), 0.1);
  assert.equal(quantityValue('1'), 1);
  assert.equal(quantityValue('0.5'), 0.5);
  assert.equal(quantityValue('128Mi'), 128 * 2 ** 20);
  assert.equal(quantityValue('1G'), 1e9);
  assert.equal(quantityValue('1e3'), 1000);
  for (const bad of ['', 'abc', '1.2.3', '10 Mi', 'Mi', '1mi']) assert.equal(quantityValue(bad), undefined, bad);
});

test('no annotations: the mesh-wide defaults', () => {
  const { settings, problems } = podSettings({}, defaults);
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, {
    port: 4140,
    adminPort: 4141,
    logLevel: 'info',
    image: 'ferry:0.1.0',
    cpuRequest: '50m',
    cpuLimit: '',
    memoryRequest: '64Mi',
    memoryLimit: '256Mi',
    gracefulShutdownSeconds: 15,
    env: [],
  });
});

test('every bad value is named, all at once', () => {
  const { problems } = podSettings(
    {
      'ferry.io/inject': 'yes',
      'ferry.io/config': 'My_Config',
      'ferry.io/app-port': '70000',
      'ferry.io/admin-port': '4140',
      'ferry.io/log-level': 'verbose',
      'ferry.io/sidecar-image': 'a b',
      'ferry.io/sidecar-cpu-limit': 'lots',
      'ferry.io/api-token-secret': '-x',
      'ferry.io/graceful-shutdown-seconds': '0',
      'ferry.io/env': 'TZ',
      'ferry.io/injectt': 'true',
      'other.io/x': 'ignored',
    },
    defaults,
  );
  assert.deepEqual(problems, [
    'ferry.io/inject: "yes" is neither "true" nor "false"',
    'ferry.io/config: "My_Config" is not a ConfigMap name (lowercase RFC 1123: a-z, 0-9, "-", ".")',
    'ferry.io/app-port: "70000" is not a port (1-65535)',
    'ferry.io/log-level: "verbose" is not one of fatal, error, warn, info, debug, trace, silent',
    'ferry.io/sidecar-image: "a b" is not an image reference',
    'ferry.io/sidecar-cpu-limit: "lots" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)',
    'ferry.io/api-token-secret: "-x" is not a Secret name (lowercase RFC 1123: a-z, 0-9, "-", ".")',
    'ferry.io/graceful-shutdown-seconds: "0" is not a number of seconds (1-3600)',
    'ferry.io/env: "TZ" is not NAME=value (a list: NAME=value,NAME2=value2)',
    `ferry.io/injectt: unknown annotation (known: ${Object.keys(ANNOTATIONS).join(', ')})`,
    'ferry.io/admin-port: 4140 is also the local API port (ferry.io/port)',
  ]);
});

test('ferry.io/env: values may hold "=", names the injector sets are refused', () => {
  assert.deepEqual(podSettings({ 'ferry.io/env': 'A=b=c, B_2=' }, defaults).settings.env, [
    ['A', 'b=c'],
    ['B_2', ''],
  ]);
  assert.deepEqual(podSettings({ 'ferry.io/env': 'FERRY_ADMIN__PORT=1' }, defaults).problems, [
    'ferry.io/env: FERRY_ADMIN__PORT is set by the injector (use the ferry.io/* annotation for it)',
  ]);
});

test('requests above limits and app ports on Ferry\'s own are refused', () => {
  assert.deepEqual(
    podSettings(
      { 'ferry.io/sidecar-memory-request': '1Gi', 'ferry.io/sidecar-cpu-request': '2', 'ferry.io/sidecar-cpu-limit': '1500m' },
      defaults,
    ).problems,
    [
      'ferry.io/sidecar-cpu-request: 2 is above the cpu limit 1500m',
      'ferry.io/sidecar-memory-request: 1Gi is above the memory limit 256Mi',
    ],
  );
  assert.deepEqual(podSettings({ 'ferry.io/app-port': '4141' }, defaults).problems, [
    "ferry.io/app-port: 4141 is one of Ferry's own ports (4140, 4141)",
  ]);
});

test('the injector config refuses mesh env the injector manages, and equal ports', () => {
  assert.throws(
    () =>
      parseInjectorConfig(
        'tls: { certFile: a, keyFile: b }\nsidecar: { port: 5000, adminPort: 5000, env: { POD_IP: x, "1X": y } }',
        'inj.yaml',
      ),
    (err: Error) =>
      err.message.includes('sidecar.adminPort: must differ from sidecar.port (5000)') &&
      err.message.includes('sidecar.env.POD_IP: set by the injector') &&
      err.message.includes('sidecar.env.1X: not an environment variable name'),
  );
});

test('README documents every annotation', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../../../README.md', import.meta.url)), 'utf8');
  for (const key of Object.keys(ANNOTATIONS)) assert.ok(readme.includes(`| \`${key}\``), `README's annotation table lacks ${key}`);
});
