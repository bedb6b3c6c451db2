/**
 * `ferry injector` as a process: the webhook over TLS, its errors, metrics, health, the serving certificate
 * and config reloaded when their (Secret / ConfigMap volume) files are swapped, and a graceful stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { FERRY_BIN } from '../../support/process.js';
import { createCa, servingCert } from '../../harness/k8s.js';
import { KubeletVolume, settles as eventually } from '../../support/helpers.js';
import type { PeerJson } from '../../support/peer-json.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: PeerJson;
  /** CN of the certificate the server presented. */
  cn: string;
}

function post(port: number, ca: Buffer, path: string, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN);
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text), cn }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const podReview = (uid: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE',
    namespace: 'demo',
    object: { metadata: { name: 'p', namespace: 'demo', annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
  },
});

const patchOf = (a: Answer) =>
  JSON.parse(Buffer.from(a.body.response.patch, 'base64').toString()) as Array<{ path: string; value: PeerJson }>;
const imageOf = (a: Answer) => patchOf(a).find((o) => o.path === '/spec/initContainers')!.value[0].image as string;

async function startInjector(
  configFile: string,
): Promise<{ child: ChildProcess; port: number; adminPort: number; output(): string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [FERRY_BIN, 'injector', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, POD_NAMESPACE: 'ferry-system' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const ports = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`injector did not start:\n${out}`)), 15000);
    child.stdout!.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"ferry injector listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; adminPort: number });
      }
    });
    void exited.then((code) => reject(new Error(`injector exited with ${code}:\n${out}`)));
  });
  return { child, ...ports, output: () => out, exited };
}

test('ferry injector: TLS webhook, errors, metrics, certificate and config reloads, graceful stop', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-injector-'));
  try {
    await createCa(dir);
    const first = await servingCert(dir, 'first');
    const second = await servingCert(dir, 'second');
    const ca = await readFile(first.caFile);
    const tls = new KubeletVolume(join(dir, 'tls'));
    const conf = new KubeletVolume(join(dir, 'conf'));
    await tls.write({ 'tls.crt': await readFile(first.certFile), 'tls.key': await readFile(first.keyFile) });
    const yaml = (image: string, port = 0) =>
      `listen: { host: 127.0.0.1, port: ${port} }\nadmin: { host: 127.0.0.1, port: 0 }\n` +
      `tls: { certFile: ${tls.path('tls.crt')}, keyFile: ${tls.path('tls.key')} }\n` +
      `log: { level: info }\nshutdown: { delayMs: 700, drainTimeoutMs: 2000 }\nsidecar: { image: "${image}" }\n`;
    await conf.write({ 'injector.yaml': yaml('ferry:1') });
    const inj = await startInjector(conf.path('injector.yaml'));
    const admin = (path: string) => fetch(`http://127.0.0.1:${inj.adminPort}${path}`);
    try {
      // the webhook answers over TLS with the first certificate
      const a = await post(inj.port, ca, '/mutate/namespace', podReview('u-1'));
      assert.equal(a.status, 200);
      assert.equal(a.cn, 'first');
      assert.equal(a.body.response.uid, 'u-1');
      assert.equal(a.body.response.allowed, true);
      assert.equal(imageOf(a), 'ferry:1');
      const refused = await post(inj.port, ca, '/mutate/namespace', podReview('u-2', { 'ferry.io/port': 'x' }));
      assert.deepEqual(refused.body.response, {
        uid: 'u-2',
        allowed: false,
        status: { code: 400, reason: 'BadRequest', message: 'ferry: pod not created: ferry.io/port: "x" is not a port (1-65535)' },
      });
      const skipped = await post(inj.port, ca, '/mutate/pod', podReview('u-3'));
      assert.deepEqual(skipped.body.response, { uid: 'u-3', allowed: true });

      // not an AdmissionReview: Ferry's error table, marked
      const bad = await post(inj.port, ca, '/mutate/pod', { kind: 'Pod' });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers['x-ferry-error'], 'FERRY_ERR_BAD_REQUEST');
      assert.match(bad.body.message, /expected kind AdmissionReview/);
      assert.equal((await post(inj.port, ca, '/mutate/other', podReview('u-4'))).status, 404);
      const notJson = await post(inj.port, ca, '/mutate/pod', '{');
      assert.equal(notJson.status, 400);

      assert.equal((await admin('/healthz')).status, 200);
      assert.equal((await admin('/readyz')).status, 200);
      const metrics = await (await admin('/metrics')).text();
      assert.match(metrics, /ferry_injector_requests_total\{scope="namespace",outcome="injected"\} 1/);
      assert.match(metrics, /ferry_injector_requests_total\{scope="namespace",outcome="refused"\} 1/);
      assert.match(metrics, /ferry_injector_requests_total\{scope="pod",outcome="skipped"\} 1/);
      assert.match(metrics, /ferry_injector_requests_total\{scope="pod",outcome="error"\} 1/);
      assert.match(metrics, /ferry_injector_patches_total\{mode="native"\} 1/);
      assert.match(metrics, /ferry_injector_refusals_total 1/);
      assert.match(metrics, /ferry_injector_admission_duration_seconds_count\{scope="namespace"\} 2/);

      // the Secret is renewed: new connections get the second certificate, no restart
      await tls.write({ 'tls.crt': await readFile(second.certFile), 'tls.key': await readFile(second.keyFile) });
      await eventually(async () => assert.equal((await post(inj.port, ca, '/mutate/pod', podReview('u-5'))).cn, 'second'));
      // a mismatched pair (a half-done manual edit) keeps the running certificate
      await tls.write({ 'tls.crt': await readFile(first.certFile), 'tls.key': await readFile(second.keyFile) });
      await eventually(async () =>
        assert.match(await (await admin('/metrics')).text(), /ferry_injector_cert_reloads_total\{result="invalid"\} 1/),
      );
      assert.equal((await post(inj.port, ca, '/mutate/pod', podReview('u-6'))).cn, 'second');
      assert.match(inj.output(), /serving certificate not reloaded; keeping the running one/);

      // the mesh-wide defaults reload; the listen port is restart-only
      await conf.write({ 'injector.yaml': yaml('ferry:2') });
      await eventually(async () => assert.equal(imageOf(await post(inj.port, ca, '/mutate/namespace', podReview('u-7'))), 'ferry:2'));
      await conf.write({ 'injector.yaml': yaml('ferry:3', 1) });
      await eventually(async () =>
        assert.match(await (await admin('/metrics')).text(), /ferry_injector_config_reloads_total\{result="restart_required"\} 1/),
      );
      assert.equal(imageOf(await post(inj.port, ca, '/mutate/namespace', podReview('u-8'))), 'ferry:2');

      // SIGTERM: readiness off at once, admissions still answered during the delay, then exit 0
      inj.child.kill('SIGTERM');
      await eventually(async () => assert.equal((await admin('/readyz')).status, 503), 2000);
      assert.equal((await post(inj.port, ca, '/mutate/namespace', podReview('u-9'))).status, 200);
      assert.equal(await inj.exited, 0);
      assert.match(inj.output(), /"injector stopped"/);
    } finally {
      inj.child.kill('SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
