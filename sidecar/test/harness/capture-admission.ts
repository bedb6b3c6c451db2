/**
 * Regenerates the AdmissionReview bodies in sidecar/test/fixtures/injector/ from a real kube-apiserver:
 *
 *   npx tsc -b && node sidecar/dist/test/harness/capture-admission.js
 *
 * Starts the test cluster, registers a MutatingWebhookConfiguration shaped like the chart's (the `namespace`
 * and `pod` webhooks) whose URL is a capture server on loopback that allows everything unchanged, creates each
 * case's object, and saves the body the apiserver sent (`<case>.review.json`: the path it called and the
 * review). The unit goldens (test/unit/injector/review.test.ts) replay them through the injector.
 */
import { createServer } from 'node:https';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './java.js';
import { startCluster } from './k8s.js';
import type { PeerJson } from '../support/peer-json.js';

const OUT = join(REPO_ROOT, 'sidecar', 'test', 'fixtures', 'injector');

const pod = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(annotations ? { annotations } : {}), ...extra },
  spec,
});
const app = (extra: Record<string, unknown> = {}) => ({
  name: 'app',
  image: 'registry.example/shop/app:1.4.2',
  ports: [{ name: 'http', containerPort: 8080 }],
  ...extra,
});

/** Case name → namespace and object. `demo` is labelled ferry.io/inject=enabled, `plain` is not. */
const CASES: Record<string, { namespace: string; object: Record<string, unknown> }> = {
  'native-defaults': { namespace: 'demo', object: pod('app', { containers: [app()] }) },
  'annotations-all': {
    namespace: 'plain',
    object: pod(
      'orders',
      {
        initContainers: [{ name: 'migrate', image: 'registry.example/shop/migrate:1', command: ['migrate', 'up'] }],
        containers: [
          app({ env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }] }),
          { name: 'worker', image: 'registry.example/shop/worker:1', env: [{ name: 'FERRY_URL', value: 'http://127.0.0.1:9999' }] },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        terminationGracePeriodSeconds: 10,
      },
      {
        'ferry.io/inject': 'true',
        'ferry.io/config': 'orders-ferry',
        'ferry.io/app-port': '8080',
        'ferry.io/port': '5140',
        'ferry.io/admin-port': '5141',
        'ferry.io/log-level': 'debug',
        'ferry.io/sidecar-image': 'registry.example/ferry:0.1.0-rc1',
        'ferry.io/sidecar-cpu-request': '100m',
        'ferry.io/sidecar-cpu-limit': '1',
        'ferry.io/sidecar-memory-request': '128Mi',
        'ferry.io/sidecar-memory-limit': '512Mi',
        'ferry.io/api-token-secret': 'orders-ferry-token',
        'ferry.io/graceful-shutdown-seconds': '40',
        'ferry.io/env': 'FERRY_SERVICES__USERS__TIMEOUT_MS=800, TZ=UTC',
      },
    ),
  },
  'classic-two-containers': {
    namespace: 'demo',
    object: pod(
      'legacy',
      { containers: [app(), { name: 'worker', image: 'registry.example/shop/worker:1' }] },
      { 'ferry.io/config': 'legacy-ferry' },
    ),
  },
  'generate-name': {
    namespace: 'demo',
    object: pod('', { containers: [app()] }, undefined, { name: undefined, generateName: 'web-7d9f8b6c4-', labels: { app: 'web' } }),
  },
  'opted-out': { namespace: 'demo', object: pod('batch', { containers: [app()] }, { 'ferry.io/inject': 'false' }) },
  'not-annotated': { namespace: 'plain', object: pod('plain', { containers: [app()] }) },
  'already-injected': {
    namespace: 'demo',
    object: pod('copy', { containers: [app(), { name: 'ferry', image: 'ferry:0.1.0' }] }, { 'ferry.io/status': 'injected' }),
  },
  'own-namespace': { namespace: 'ferry-system', object: pod('self', { containers: [app()] }, { 'ferry.io/inject': 'true' }) },
  'bad-annotations': {
    namespace: 'demo',
    object: pod('bad', { containers: [app()] }, {
      'ferry.io/port': 'http',
      'ferry.io/colour': 'blue',
      'ferry.io/sidecar-memory-request': '1Gi',
      'ferry.io/env': 'FERRY_LOG__LEVEL=debug',
    }),
  },
  'bad-inject-value': { namespace: 'plain', object: pod('maybe', { containers: [app()] }, { 'ferry.io/inject': 'yes' }) },
  'port-clash': { namespace: 'demo', object: pod('clash', { containers: [app({ ports: [{ name: 'api', containerPort: 4140 }] })] }) },
  'host-network': { namespace: 'demo', object: pod('hostnet', { hostNetwork: true, containers: [app()] }) },
};

async function main(): Promise<void> {
  const k8s = await startCluster();
  const seen: Array<{ path: string; review: PeerJson }> = [];
  const server = createServer(
    { cert: await readFile(k8s.webhookTls.certFile), key: await readFile(k8s.webhookTls.keyFile) },
    (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const review = JSON.parse(body);
        seen.push({ path: req.url!, review });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid: review.request.uid, allowed: true },
          }),
        );
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const hook = (name: string, path: string, selector: unknown) => ({
      name,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      clientConfig: { url: `${base}${path}`, caBundle: k8s.webhookTls.caBundle },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }],
      namespaceSelector: selector,
    });
    const mwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'ferry-capture' },
      webhooks: [
        hook('namespace.inject.ferry.io', '/mutate/namespace', { matchLabels: { 'ferry.io/inject': 'enabled' } }),
        hook('pod.inject.ferry.io', '/mutate/pod', {
          matchExpressions: [{ key: 'ferry.io/inject', operator: 'NotIn', values: ['enabled', 'disabled'] }],
        }),
      ],
    };
    const namespaces = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { 'ferry.io/inject': 'enabled' } } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ferry-system' } },
    ];
    const apply = await k8s.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...namespaces, mwc] }),
    });
    if (apply.code !== 0) throw new Error(apply.stderr);
    await k8s.waitForWebhook('demo', () => seen.length > 0);
    await mkdir(OUT, { recursive: true });
    for (const [name, c] of Object.entries(CASES)) {
      seen.length = 0;
      const r = await k8s.api('POST', `/api/v1/namespaces/${c.namespace}/pods`, c.object);
      if (r.status !== 201) throw new Error(`${name}: ${r.status} ${JSON.stringify(r.body)}`);
      await writeFile(join(OUT, `${name}.review.json`), `${JSON.stringify(seen[0], null, 2)}\n`);
      console.log(`${name}: ${seen[0]!.path} (${seen.length} call(s))`);
    }
    // an UPDATE (a label added to a stored pod): never the injector's business
    seen.length = 0;
    const patched = await k8s.kubectl(['-n', 'demo', 'label', 'pod', 'app', 'tier=web']);
    if (patched.code !== 0) throw new Error(patched.stderr);
    await writeFile(join(OUT, 'update.review.json'), `${JSON.stringify(seen[0], null, 2)}\n`);
    console.log(`update: ${seen[0]!.path}`);
    console.log(`server ${k8s.version}; fixtures in ${OUT}`);
  } finally {
    server.close();
    await k8s.stop();
  }
}

// `node --test sidecar/dist/test` runs every file under test/ as a test: not this one (run by hand only; it rewrites the tracked fixtures)
if (!process.env.NODE_TEST_CONTEXT) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
