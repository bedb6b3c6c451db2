/**
 * End to end against a real kube-apiserver + etcd (test/harness/k8s.ts): `helm install` of charts/ferry with
 * `webhook.url` pointing at `ferry injector` running on loopback (with the chart's own generated certificate
 * and the chart's own injector ConfigMap), namespaces labelled, pods created with kubectl, assertions on the
 * **stored** pods. Every rendered object of the chart and of examples/k8s, and every patched pod, passes
 * `kubectl apply --dry-run=server --validate=strict`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseConfig } from '../../src/config/load.js';
import { FERRY_BIN } from '../support/process.js';
import { REPO_ROOT } from '../harness/java.js';
import { freePort } from '../harness/ports.js';
import { k8sSkip, startCluster, type Cluster, type RunResult } from '../harness/k8s.js';
import { KubeletVolume } from '../support/helpers.js';
import type { PeerJson } from '../support/peer-json.js';

const skip = k8sSkip();
const CHART = join(REPO_ROOT, 'charts', 'ferry');
const EXAMPLE = join(REPO_ROOT, 'examples', 'k8s');
const IMAGE = 'registry.example/ferry';
const ok = (r: RunResult, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

let k8s: Cluster;
let injector: { child: ChildProcess; output(): string; adminPort: number } | undefined;
let injectorPort: number;
let injectorAdminPort: number;
let volumes: { config: KubeletVolume; tls: KubeletVolume };
/** Every pod manifest created below, to replay through the webhook and validate strictly at the end. */
const created: Array<{ pod: PeerJson; mode: string }> = [];

/** The chart's injector.yaml, pointed at loopback ports and the test's TLS files. */
async function injectorYaml(change: (doc: PeerJson) => void = () => {}): Promise<string> {
  const cm = JSON.parse((await k8s.kubectl(['-n', 'ferry-system', 'get', 'configmap', 'ferry-injector', '-o', 'json'])).stdout);
  const doc = yaml.load(cm.data['injector.yaml']) as PeerJson;
  doc.listen = { host: '127.0.0.1', port: injectorPort };
  doc.admin = { enabled: true, host: '127.0.0.1', port: injectorAdminPort };
  doc.tls = { certFile: volumes.tls.path('tls.crt'), keyFile: volumes.tls.path('tls.key') };
  doc.shutdown = { delayMs: 0, drainTimeoutMs: 2000 };
  change(doc);
  return yaml.dump(doc);
}

async function startInjector(): Promise<void> {
  const child = spawn(process.execPath, [FERRY_BIN, 'injector', '--config', volumes.config.path('injector.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const until = Date.now() + 15_000;
  let line: string | undefined;
  while (!(line = out.split('\n').find((l) => l.includes('"ferry injector listening"')))) {
    assert.ok(Date.now() < until && child.exitCode === null, `injector did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  injector = { child, output: () => out, adminPort: (JSON.parse(line) as { adminPort: number }).adminPort };
}

const podYaml = (name: string, namespace: string, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, ...(Object.keys(annotations).length ? { annotations } : {}) },
  spec: { containers: [{ name: 'app', image: 'registry.example/shop/app:1', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
});

async function createPod(pod: PeerJson, mode = 'native'): Promise<RunResult> {
  const r = await k8s.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  if (r.code === 0) created.push({ pod, mode });
  return r;
}
const getPod = async (ns: string, name: string) => (await k8s.api('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).body;
const envOf = (c: PeerJson) => Object.fromEntries((c.env ?? []).map((e: PeerJson) => [e.name, e.value ?? e.valueFrom]));

before(async () => {
  if (skip) return;
  k8s = await startCluster();
  injectorPort = await freePort();
  injectorAdminPort = await freePort();
  const install = await k8s.helm([
    'install', 'ferry', CHART, '-n', 'ferry-system', '--create-namespace',
    '--set', `webhook.url=https://127.0.0.1:${injectorPort}`,
    '--set', 'tls.ipAddresses={127.0.0.1}',
    '--set', `image.repository=${IMAGE}`,
    '--set-string', 'sidecar.env.FERRY_REGISTRIES__ZK__ADDRESS=zookeeper.infra:2181',
  ]);
  ok(install, 'helm install');
  // the chart's generated serving certificate, mounted as a Secret volume would be
  const secret = JSON.parse((await k8s.kubectl(['-n', 'ferry-system', 'get', 'secret', 'ferry-injector-tls', '-o', 'json'])).stdout);
  volumes = { config: new KubeletVolume(join(k8s.dir, 'injector-config')), tls: new KubeletVolume(join(k8s.dir, 'injector-tls')) };
  const pem = (key: string) => Buffer.from(secret.data[key], 'base64').toString();
  await volumes.tls.write({ 'tls.crt': pem('tls.crt'), 'tls.key': pem('tls.key') });
  await volumes.config.write({ 'injector.yaml': await injectorYaml() });
  await startInjector();
  ok(
    await k8s.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'off', labels: { 'ferry.io/inject': 'disabled' } } },
        ],
      }),
    }),
    'namespaces',
  );
  ok(await k8s.kubectl(['label', 'namespace', 'demo', 'ferry.io/inject=enabled']), 'kubectl label namespace');
  await k8s.waitForWebhook('demo', (pod) => pod.spec.initContainers?.[0]?.name === 'ferry');
});

after(async () => {
  injector?.child.kill('SIGKILL');
  await k8s?.stop();
});

test('helm install + labelled namespace + kubectl apply of a plain pod: ' +
  'a stored pod with a correct native Ferry sidecar', { skip }, async () => {
  ok(await createPod(podYaml('app', 'demo')), 'create');
  const pod = await getPod('demo', 'app');
  assert.equal(pod.status.phase, 'Pending');
  assert.equal(pod.metadata.annotations['ferry.io/status'], 'injected');
  assert.deepEqual(pod.spec.containers.map((c: PeerJson) => c.name), ['app'], 'the app containers are unchanged');
  const [ferry, ...rest] = pod.spec.initContainers;
  assert.equal(rest.length, 0);
  assert.equal(ferry.name, 'ferry');
  assert.equal(ferry.restartPolicy, 'Always', 'native sidecar');
  assert.equal(ferry.image, `${IMAGE}:0.1.0`, 'the chart\'s image and appVersion');
  assert.deepEqual(ferry.args, ['--no-config']);
  assert.deepEqual(ferry.ports, [{ name: 'ferry-admin', containerPort: 4141, protocol: 'TCP' }]);
  assert.deepEqual(ferry.startupProbe.httpGet, { path: '/readyz', port: 'ferry-admin', scheme: 'HTTP' });
  assert.deepEqual(ferry.readinessProbe.httpGet, { path: '/readyz', port: 'ferry-admin', scheme: 'HTTP' });
  assert.deepEqual(ferry.livenessProbe.httpGet, { path: '/healthz', port: 'ferry-admin', scheme: 'HTTP' });
  assert.deepEqual(ferry.resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  assert.deepEqual(ferry.securityContext, {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const env = envOf(ferry);
  assert.deepEqual(env.POD_IP, { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } });
  assert.deepEqual(env.POD_NAME, { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  assert.deepEqual(env.POD_NAMESPACE, { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } });
  assert.deepEqual(env.NODE_NAME, { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } });
  assert.equal(env.FERRY_LISTEN__PORT, '4140');
  assert.equal(env.FERRY_ADMIN__HOST, '0.0.0.0');
  assert.equal(env.FERRY_ADMIN__CONSOLE__ENABLED, 'false', 'no console open to the pod network by default');
  assert.equal(env.FERRY_SHUTDOWN__DRAIN_TIMEOUT_MS, '15000');
  assert.equal(env.FERRY_REGISTRIES__ZK__ADDRESS, 'zookeeper.infra:2181', 'the chart\'s mesh-wide sidecar.env');
  assert.equal(envOf(pod.spec.containers[0]).FERRY_URL, 'http://127.0.0.1:4140');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 30, 'the default 30 s already covers a 15 s drain');
});

test('annotations override the defaults on the stored pod', { skip }, async () => {
  const annotations = {
    'ferry.io/config': 'orders-ferry',
    'ferry.io/app-port': '8080',
    'ferry.io/port': '5140',
    'ferry.io/admin-port': '5141',
    'ferry.io/log-level': 'debug',
    'ferry.io/sidecar-image': 'registry.example/ferry:canary',
    'ferry.io/sidecar-cpu-request': '100m',
    'ferry.io/sidecar-cpu-limit': '1',
    'ferry.io/sidecar-memory-request': '128Mi',
    'ferry.io/sidecar-memory-limit': '512Mi',
    'ferry.io/api-token-secret': 'orders-token',
    'ferry.io/graceful-shutdown-seconds': '40',
    'ferry.io/env': 'FERRY_SERVICES__USERS__TIMEOUT_MS=800,TZ=UTC',
  };
  ok(await createPod(podYaml('orders', 'demo', annotations)), 'create');
  const pod = await getPod('demo', 'orders');
  const ferry = pod.spec.initContainers[0];
  assert.equal(ferry.image, 'registry.example/ferry:canary');
  assert.deepEqual(ferry.args, ['--config', '/etc/ferry/ferry.yaml']);
  assert.deepEqual(
    ferry.volumeMounts,
    [{ name: 'ferry-config', mountPath: '/etc/ferry', readOnly: true }],
    'a folder mount (subPath would freeze the file)',
  );
  assert.deepEqual(pod.spec.volumes.find((v: PeerJson) => v.name === 'ferry-config').configMap, { name: 'orders-ferry', defaultMode: 420 });
  assert.deepEqual(ferry.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  assert.equal(ferry.ports[0].containerPort, 5141);
  assert.equal(ferry.startupProbe.httpGet.port, 'ferry-admin');
  const env = envOf(ferry);
  assert.equal(env.FERRY_LISTEN__PORT, '5140');
  assert.equal(env.FERRY_ADMIN__PORT, '5141');
  assert.equal(env.FERRY_LOG__LEVEL, 'debug');
  assert.equal(env.FERRY_INBOUND__APP__URL, 'http://127.0.0.1:8080');
  assert.equal(env.FERRY_SHUTDOWN__DRAIN_TIMEOUT_MS, '40000');
  assert.equal(env.FERRY_SERVICES__USERS__TIMEOUT_MS, '800');
  assert.equal(env.TZ, 'UTC');
  assert.deepEqual(env.FERRY_API_TOKEN, { secretKeyRef: { name: 'orders-token', key: 'token' } });
  const appEnv = envOf(pod.spec.containers[0]);
  assert.equal(appEnv.FERRY_URL, 'http://127.0.0.1:5140');
  assert.deepEqual(appEnv.FERRY_API_TOKEN, { secretKeyRef: { name: 'orders-token', key: 'token' } });
  assert.equal(pod.spec.terminationGracePeriodSeconds, 45, 'raised to cover a 40 s drain');
});

test('no injection: unlabelled namespace, opted-out pod, disabled namespace, twice on re-apply or re-create', { skip }, async () => {
  ok(await createPod(podYaml('plain', 'plain')), 'plain');
  assert.equal((await getPod('plain', 'plain')).spec.initContainers, undefined);
  ok(await createPod(podYaml('optin', 'plain', { 'ferry.io/inject': 'true' })), 'opt-in');
  assert.equal((await getPod('plain', 'optin')).spec.initContainers[0].name, 'ferry', 'a pod annotated inject "true" is injected anywhere');
  ok(await createPod(podYaml('optout', 'demo', { 'ferry.io/inject': 'false' })), 'opt-out');
  assert.equal((await getPod('demo', 'optout')).spec.initContainers, undefined);
  ok(await createPod(podYaml('off', 'off', { 'ferry.io/inject': 'true' })), 'disabled namespace');
  assert.equal(
    (await getPod('off', 'off')).spec.initContainers,
    undefined,
    'ferry.io/inject=disabled on the namespace keeps even opted-in pods out',
  );

  // kubectl apply of the same manifest again: an update, never injected again
  ok(await createPod(podYaml('app', 'demo')), 're-apply');
  const reapplied = await getPod('demo', 'app');
  assert.equal(reapplied.spec.initContainers.filter((c: PeerJson) => c.name === 'ferry').length, 1);
  // a copy of an injected pod (kubectl get -o yaml | kubectl create) keeps its one sidecar
  const copy = structuredClone(reapplied);
  copy.metadata = { name: 'app-copy', namespace: 'demo', annotations: reapplied.metadata.annotations };
  delete copy.status;
  delete copy.spec.nodeName;
  ok(await k8s.kubectl(['create', '-f', '-'], { input: JSON.stringify(copy) }), 'copy');
  const copied = await getPod('demo', 'app-copy');
  assert.equal([...copied.spec.initContainers, ...copied.spec.containers].filter((c: PeerJson) => c.name === 'ferry').length, 1);
  assert.equal(envOf(copied.spec.containers[0]).FERRY_URL, 'http://127.0.0.1:4140');
  assert.equal(copied.spec.containers[0].env.length, 1, 'FERRY_URL not added twice');
});

test('a bad annotation is refused with its message; the pod is not created', { skip }, async () => {
  const r = await createPod(podYaml('bad', 'demo', { 'ferry.io/port': 'abc', 'ferry.io/colour': 'blue' }));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /admission webhook "namespace\.inject\.ferry\.io" denied the request: ferry: pod not created: /);
  assert.match(r.stderr, /ferry\.io\/port: "abc" is not a port \(1-65535\)/);
  assert.match(r.stderr, /ferry\.io\/colour: unknown annotation \(known: ferry\.io\/inject, ferry\.io\/config, /);
  assert.equal((await k8s.api('GET', '/api/v1/namespaces/demo/pods/bad')).status, 404);
});

test(
  'classic mode (injector config reloaded): Ferry first among the containers, postStart wait, preStop, grace period',
  { skip },
  async () => {
    await volumes.config.write({ 'injector.yaml': await injectorYaml((d) => (d.sidecar.mode = 'classic')) });
    await k8s.waitForWebhook('demo', (pod) => pod.spec.containers[0]?.name === 'ferry');
    ok(await createPod(podYaml('legacy', 'demo'), 'classic'), 'create');
    const pod = await getPod('demo', 'legacy');
    assert.equal(pod.spec.initContainers, undefined);
    assert.deepEqual(
      pod.spec.containers.map((c: PeerJson) => c.name),
      ['ferry', 'app'],
    );
    const ferry = pod.spec.containers[0];
    assert.equal(ferry.restartPolicy, undefined);
    assert.equal(ferry.lifecycle.postStart.exec.command[0], 'node');
    assert.match(ferry.lifecycle.postStart.exec.command[2], /127\.0\.0\.1:4141\/readyz/);
    assert.ok(ferry.lifecycle.preStop.exec.command, 'preStop keeps Ferry up while the app finishes');
    assert.equal(envOf(pod.spec.containers[1]).FERRY_URL, 'http://127.0.0.1:4140');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    await volumes.config.write({ 'injector.yaml': await injectorYaml() });
    await k8s.waitForWebhook('demo', (p) => p.spec.initContainers?.[0]?.name === 'ferry');
    assert.match(injector!.output(), /"injector config reloaded"/);
  },
);

test('the example (examples/k8s): its node app pod is injected with its ConfigMap; its ferry.yaml is valid', { skip }, async () => {
  const docs: PeerJson[] = [];
  for (const f of (await readdir(EXAMPLE)).filter((n) => n.endsWith('.yaml')).sort())
    docs.push(...(yaml.loadAll(await readFile(join(EXAMPLE, f), 'utf8')) as PeerJson[]));
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'node-app-ferry');
  parseConfig(cm.data['ferry.yaml'], 'node-app-ferry'); // throws with every problem
  ok(await k8s.kubectl(['apply', '--validate=strict', '-f', EXAMPLE]), 'kubectl apply examples/k8s');
  const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'node-app');
  // no controller-manager here: create the pod its ReplicaSet would
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...deployment.spec.template.metadata, name: 'node-app-1', namespace: 'ferry-demo' },
    spec: deployment.spec.template.spec,
  };
  ok(await createPod(pod), 'node app pod');
  const stored = await getPod('ferry-demo', 'node-app-1');
  assert.equal(stored.spec.initContainers[0].name, 'ferry');
  assert.equal(stored.spec.volumes.find((v: PeerJson) => v.name === 'ferry-config').configMap.name, 'node-app-ferry');
  assert.equal(envOf(stored.spec.initContainers[0]).FERRY_INBOUND__APP__URL, 'http://127.0.0.1:8080');
  for (const name of ['zookeeper', 'greeting-provider']) {
    const d = docs.find((x) => x.kind === 'Deployment' && x.metadata.name === name);
    ok(
      await createPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...d.spec.template.metadata, name: `${name}-1`, namespace: 'ferry-demo' },
        spec: d.spec.template.spec,
      }),
      name,
    );
    assert.equal((await getPod('ferry-demo', `${name}-1`)).spec.initContainers, undefined, `${name} opted out`);
  }
});

test('every rendered chart object (several value sets) and every patched pod ' +
  'passes kubectl apply --dry-run=server --validate=strict', { skip }, async () => {
  // CRDs the chart's optional objects need, reduced to "any spec" (the real ones ship with cert-manager / the Prometheus operator)
  const crd = (group: string, kind: string, plural: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  ok(
    await k8s.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          crd('cert-manager.io', 'Certificate', 'certificates'),
          crd('cert-manager.io', 'Issuer', 'issuers'),
          crd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors'),
        ],
      }),
    }),
    'CRDs',
  );
  await new Promise((r) => setTimeout(r, 1500)); // CRDs become servable
  const valueSets: string[][] = [
    [],
    [
      '--set',
      'sidecar.mode=classic',
      '--set',
      'webhook.failurePolicy=Ignore',
      '--set',
      'webhook.podOptIn=false',
      '--set',
      'injector.podDisruptionBudget.enabled=false',
    ],
    ['--set', 'tls.mode=certManager', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'webhook.url=https://injector.example:8443'],
    [
      '--set',
      'tls.mode=secret',
      '--set',
      'tls.secretName=my-tls',
      '--set',
      'webhook.caBundle=Zm9v',
      '--set-string',
      'sidecar.env.A=1',
      '--set',
      'webhook.namespaceSelector.matchLabels.team=shop',
    ],
  ];
  // a release of its own, so that every object is new to the server (not merged into the installed release's)
  ok(await k8s.kubectl(['create', 'namespace', 'chart-check']), 'namespace');
  for (const values of valueSets) {
    const rendered = await k8s.helm(['template', 'check', CHART, '-n', 'chart-check', ...values]);
    ok(rendered, `helm template ${values.join(' ')}`);
    const kinds = (yaml.loadAll(rendered.stdout) as PeerJson[]).filter(Boolean).map((d) => d.kind);
    assert.ok(kinds.includes('MutatingWebhookConfiguration') && kinds.includes('Deployment'), kinds.join());
    ok(
      await k8s.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: rendered.stdout }),
      `dry-run of the chart with ${values.join(' ') || 'defaults'}`,
    );
  }
  for (const values of valueSets) ok(await k8s.helm(['lint', '--strict', CHART, ...values]), `helm lint --strict ${values.join(' ')}`);
  // sidecar.mode=auto follows the server version: native from 1.29 (this server: 1.32), classic before
  const modeFor = async (kubeVersion: string) =>
    /mode: (\w+)/.exec(
      (await k8s.helm(['template', 'check', CHART, '--kube-version', kubeVersion, '--show-only', 'templates/configmap.yaml'])).stdout,
    )?.[1];
  assert.equal(await modeFor('1.28.9'), 'classic');
  assert.equal(await modeFor('1.29.0'), 'native');
  // values.schema.json refuses bad values, naming them
  for (const [set, message] of [
    ['webhook.failurePolicy=Maybe', /webhook\.failurePolicy must be one of the following: "Fail", "Ignore"/],
    ['sidecar.memoryLimit=lots', /sidecar\.memoryLimit: Does not match pattern/],
    ['injector.replicaz=2', /injector: Additional property replicaz is not allowed/],
    ['webhook.timeoutSeconds=60', /webhook\.timeoutSeconds: Must be less than or equal to 30/],
    ['sidecar.port=0', /sidecar\.port: Must be greater than or equal to 1/],
  ] as const) {
    const r = await k8s.helm(['template', 'check', CHART, '--set', set]);
    assert.notEqual(r.code, 0, set);
    assert.match(r.stderr, message);
  }
  // the check catches what it should: an unknown field is refused
  const typo = await k8s.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
    input: JSON.stringify({ ...podYaml('typo', 'plain'), spec: { containers: [{ name: 'a', image: 'b', imagePullPolcy: 'Always' }] } }),
  });
  assert.match(typo.stderr, /unknown field "spec\.containers\[0\]\.imagePullPolcy"/);

  // the webhook's patches, applied outside the apiserver (which would drop unknown fields silently) and validated strictly
  for (const { pod, mode } of created) {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'x',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        namespace: pod.metadata.namespace,
        object: pod,
      },
    };
    const { parseInjectorConfig } = await import('../../src/injector/config.js');
    const { review: answer } = await import('../../src/injector/review.js');
    const config = parseInjectorConfig(await injectorYaml((d) => (d.sidecar.mode = mode)), 'chart config');
    const decision = answer(review.request, pod.metadata.annotations?.['ferry.io/inject'] === 'true' ? 'pod' : 'namespace', config);
    if (decision.outcome !== 'injected') continue;
    const patch = Buffer.from(decision.review.response.patch!, 'base64').toString();
    const file = join(k8s.dir, `${pod.metadata.name}.json`);
    await writeFile(
      file,
      JSON.stringify({ ...pod, metadata: { ...pod.metadata, namespace: 'plain', name: `${pod.metadata.name}-patched` } }),
    );
    const patched = await k8s.kubectl(['patch', '--local', '-f', file, '--type=json', '-p', patch, '-o', 'json']);
    ok(patched, `kubectl patch --local ${pod.metadata.name}`);
    ok(
      await k8s.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: patched.stdout }),
      `strict dry-run of patched ${pod.metadata.name} (${mode})`,
    );
  }
  assert.ok(created.length >= 8, `${created.length} pods replayed`);
});

test('helm upgrade keeps the generated certificate and caBundle; the injector keeps working', { skip }, async () => {
  const before = JSON.parse((await k8s.kubectl(['-n', 'ferry-system', 'get', 'secret', 'ferry-injector-tls', '-o', 'json'])).stdout).data[
    'tls.crt'
  ];
  const mwcBefore = JSON.parse((await k8s.kubectl(['get', 'mutatingwebhookconfiguration', 'ferry-ferry-system', '-o', 'json'])).stdout);
  ok(
    await k8s.helm(['upgrade', 'ferry', CHART, '-n', 'ferry-system', '--reuse-values', '--set', 'injector.logLevel=debug']),
    'helm upgrade',
  );
  const afterCert = JSON.parse((await k8s.kubectl(['-n', 'ferry-system', 'get', 'secret', 'ferry-injector-tls', '-o', 'json'])).stdout)
    .data['tls.crt'];
  const mwcAfter = JSON.parse((await k8s.kubectl(['get', 'mutatingwebhookconfiguration', 'ferry-ferry-system', '-o', 'json'])).stdout);
  assert.equal(afterCert, before);
  assert.equal(mwcAfter.webhooks[0].clientConfig.caBundle, mwcBefore.webhooks[0].clientConfig.caBundle);
  ok(await createPod(podYaml('after-upgrade', 'demo')), 'create after upgrade');
  assert.equal((await getPod('demo', 'after-upgrade')).spec.initContainers[0].name, 'ferry');
});

test("admission latency: N pod creations through the webhook (the injector's own histogram and the client's view)", { skip }, async (t) => {
  const n = 60;
  const createMs: number[] = [];
  const plainMs: number[] = [];
  for (let i = 0; i < n; i++) {
    let t0 = performance.now();
    const r = await k8s.api('POST', '/api/v1/namespaces/demo/pods', podYaml(`lat-${i}`, 'demo'));
    createMs.push(performance.now() - t0);
    assert.equal(r.status, 201);
    t0 = performance.now();
    assert.equal((await k8s.api('POST', '/api/v1/namespaces/off/pods', podYaml(`lat-${i}`, 'off'))).status, 201);
    plainMs.push(performance.now() - t0);
  }
  const metrics = await (await fetch(`http://127.0.0.1:${injector!.adminPort}/metrics`)).text();
  const buckets = [...metrics.matchAll(/^ferry_injector_admission_duration_seconds_bucket\{le="([^"]+)",scope="namespace"\} (\d+)$/gm)].map(
    (m) => ({ le: Number(m[1]), count: Number(m[2]) }),
  );
  const total = buckets.at(-1)!.count;
  const quantile = (q: number) => {
    // Prometheus' histogram_quantile: linear inside the bucket
    const rank = q * total;
    let prev = { le: 0, count: 0 };
    for (const b of buckets) {
      if (b.count >= rank) return prev.le + (b.le - prev.le) * ((rank - prev.count) / Math.max(1, b.count - prev.count));
      prev = b;
    }
    return Infinity;
  };
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  const figures = {
    injectorP50ms: +(quantile(0.5) * 1000).toFixed(3),
    injectorP99ms: +(quantile(0.99) * 1000).toFixed(3),
    admissions: total,
    podCreateWithWebhookP50ms: +pct(createMs, 0.5).toFixed(1),
    podCreateWithWebhookP99ms: +pct(createMs, 0.99).toFixed(1),
    podCreateNoWebhookP50ms: +pct(plainMs, 0.5).toFixed(1),
    podCreateNoWebhookP99ms: +pct(plainMs, 0.99).toFixed(1),
  };
  t.diagnostic(`admission latency: ${JSON.stringify(figures)}`);
  console.log(`[k8s] admission latency (n=${n}): ${JSON.stringify(figures)}`);
  assert.ok(total >= n);
});

test('with the injector down and failurePolicy Fail, pod creation is refused', { skip }, async () => {
  injector!.child.kill('SIGTERM');
  await new Promise((r) => injector!.child.once('exit', r));
  const r = await createPod(podYaml('while-down', 'demo'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /failed calling webhook "namespace\.inject\.ferry\.io".*connect: connection refused/);
  assert.equal((await k8s.api('GET', '/api/v1/namespaces/demo/pods/while-down')).status, 404);
  // a namespace labelled disabled is not sent to the webhook at all
  ok(await createPod(podYaml('while-down', 'off')), 'disabled namespace');
});

test('helm uninstall removes the webhook: pods are created untouched', { skip }, async () => {
  ok(await k8s.helm(['uninstall', 'ferry', '-n', 'ferry-system']), 'helm uninstall');
  assert.equal(
    (await k8s.api('GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/ferry-ferry-system')).status,
    404,
  );
  const until = Date.now() + 15_000;
  for (;;) {
    const r = await k8s.api('POST', '/api/v1/namespaces/demo/pods?dryRun=All', podYaml('gone', 'demo'));
    if (r.status === 201 && r.body.spec.initContainers === undefined) break;
    assert.ok(Date.now() < until, `still intercepted: ${JSON.stringify(r.body).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
});
