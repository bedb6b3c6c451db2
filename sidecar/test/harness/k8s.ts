/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver built from Go modules by
 * `tools/k8s-testenv/build.sh` into `${FERRY_CACHE_DIR:-~/.cache/ferry}/k8s-testenv-<version>/bin` (with the
 * kubectl and helm it unpacks), run on free loopback ports with a throw-away PKI (openssl), a bearer token
 * and a temp dir. No controller-manager, scheduler or kubelet: pods are stored (Pending), never run.
 *
 *   const k8s = await startCluster();
 *   await k8s.kubectl(['apply', '-f', '-'], { input: yaml });
 *   await k8s.helm(['install', 'ferry', chartDir, '-n', 'ferry-system']);
 *   const pod = await k8s.api('GET', '/api/v1/namespaces/demo/pods/app');
 *   k8s.webhookTls                                     // cert + key (SAN 127.0.0.1) for a webhook on loopback
 *   await k8s.stop();
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './java.js';
import { freePort } from './ports.js';
import { terminate, track } from './procs.js';
import type { PeerJson } from '../support/peer-json.js';

export const TESTENV_DIR = join(REPO_ROOT, 'tools', 'k8s-testenv');
const CACHE_DIR = process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry');

/** The Kubernetes version, pinned in one place: the wrapper module's `require k8s.io/kubernetes` line. */
export const K8S_VERSION = /^\s*k8s\.io\/kubernetes (v1\.\S+)/m.exec(readFileSync(join(TESTENV_DIR, 'go.mod'), 'utf8'))![1]!;
export const K8S_BIN = join(CACHE_DIR, `k8s-testenv-${K8S_VERSION}`, 'bin');
const TOOLS = ['kube-apiserver', 'etcd', 'kubectl', 'helm'] as const;

/** Why the test environment cannot run here, or undefined when it can. */
export function k8sTestenvMissing(): string | undefined {
  if (!existsSync(join(K8S_BIN, '..', '.stamp')))
    return `the Kubernetes test environment is not built (${K8S_BIN}); run: bash tools/k8s-testenv/build.sh`;
  const missing = TOOLS.filter((t) => !existsSync(join(K8S_BIN, t)));
  return missing.length ? `missing ${missing.join(', ')} in ${K8S_BIN}; run: bash tools/k8s-testenv/build.sh` : undefined;
}

/**
 * For `test(name, { skip: k8sSkip() }, …)`: skips on a developer's machine without the build, but in CI
 * (CI=true) a missing test environment fails the run instead.
 */
export function k8sSkip(): string | false {
  const missing = k8sTestenvMissing();
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`${missing} (CI=true: the Kubernetes tests must run)`);
  return missing;
}

/** Builds the test environment when it is missing (the pretest's step); a few minutes, once per machine. */
export function ensureK8sTestenv(log: (line: string) => void): void {
  const r = spawnSync('bash', [join(TESTENV_DIR, 'build.sh')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 45 * 60_000,
  });
  for (const line of `${r.stdout}`.trim().split('\n').filter(Boolean)) log(line);
  if (r.status !== 0) throw new Error(`tools/k8s-testenv/build.sh failed (${r.status ?? r.error?.message}):\n${r.stderr.slice(-4000)}`);
}

export interface Tls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** base64 of the CA certificate, as a webhook's `caBundle`. */
  caBundle: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cluster {
  readonly url: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly token: string;
  readonly ca: Buffer;
  readonly version: string;
  /** A serving certificate for 127.0.0.1 signed by the cluster CA (for a webhook on loopback). */
  readonly webhookTls: Tls;
  /** Mints another serving certificate (a renewal) from the same CA. */
  issueServingCert(name: string): Promise<Tls>;
  kubectl(args: string[], options?: { input?: string }): Promise<RunResult>;
  helm(args: string[], options?: { input?: string }): Promise<RunResult>;
  /** A raw REST call with the admin token; JSON bodies in and out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: PeerJson }>;
  /**
   * Polls a dry-run pod creation until the webhook has mutated it
   * (the webhook configuration reaches the admission chain through an informer).
   */
  waitForWebhook(namespace: string, isMutated: (pod: PeerJson) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const r = await run('openssl', args, { cwd: dir });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A throw-away CA in `dir` (ca.crt, ca.key) for servingCert. */
export async function createCa(dir: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=ferry-test-ca',
  ]);
}

/** A certificate for 127.0.0.1/localhost signed by the CA in `dir` (P-256 keys: fast to make). */
export async function servingCert(dir: string, name: string): Promise<Tls> {
  await writeFile(
    join(dir, `${name}.ext`),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  await openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
  return {
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    caFile: join(dir, 'ca.crt'),
    caBundle: (await readFile(join(dir, 'ca.crt'))).toString('base64'),
  };
}

async function waitReady(url: string, ca: Buffer, token: string, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`kube-apiserver exited with ${child.exitCode}:\n${(await readFile(log, 'utf8')).slice(-4000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpsRequest(`${url}/readyz`, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'ok'));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(`kube-apiserver not ready within ${timeoutMs} ms; log: ${log}\n${(await readFile(log, 'utf8')).slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startCluster(options: { timeoutMs?: number } = {}): Promise<Cluster> {
  const missing = k8sTestenvMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), 'ferry-k8s-'));
  const children: ChildProcess[] = [];
  const bin = (t: (typeof TOOLS)[number]) => join(K8S_BIN, t);
  try {
    await createCa(dir);
    const apiserverTls = await servingCert(dir, 'apiserver');
    const webhookTls = await servingCert(dir, 'webhook');
    await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key']);
    await openssl(dir, ['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
    const token = `ferry-test-${Math.random().toString(36).slice(2)}`;
    await writeFile(join(dir, 'tokens.csv'), `${token},admin,1000,system:masters\n`);

    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const spawnLogged = (name: string, cmd: string, args: string[]) => {
      const log = join(dir, `${name}.log`);
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      track(child);
      children.push(child);
      const out = createWriteStream(log);
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
      return { child, log };
    };
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    spawnLogged('etcd', bin('etcd'), [
      `--data-dir=${join(dir, 'etcd')}`,
      '--name=default',
      '--unsafe-no-fsync',
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--listen-metrics-urls=',
      '--log-level=warn',
    ]);
    const api = spawnLogged('kube-apiserver', bin('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${apiserverTls.certFile}`,
      `--tls-private-key-file=${apiserverTls.keyFile}`,
      `--client-ca-file=${join(dir, 'ca.crt')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      // loopback is not a valid address for the "kubernetes" Endpoints; no controller-manager makes ServiceAccounts
      '--endpoint-reconciler-type=none',
      '--disable-admission-plugins=ServiceAccount',
      '--authorization-mode=RBAC',
      '--profiling=false',
      `--cert-dir=${join(dir, 'certs')}`,
    ]);
    const url = `https://127.0.0.1:${apiPort}`;
    const ca = await readFile(join(dir, 'ca.crt'));
    await waitReady(url, ca, token, api.child, api.log, options.timeoutMs ?? 90_000);

    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test\n  cluster:\n    server: ${url}\n    certificate-authority: ${join(dir, 'ca.crt')}`,
        'users:',
        `- name: admin\n  user:\n    token: ${token}`,
        'contexts:',
        '- name: test\n  context:\n    cluster: test\n    user: admin',
        'current-context: test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // kubectl and helm keep caches and config under these; the temp dir keeps the runs apart
    const toolEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      KUBECONFIG: kubeconfig,
      KUBECACHEDIR: join(dir, 'kube-cache'),
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    };

    const apiCall = (method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; body: PeerJson }>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = httpsRequest(
          `${url}${path}`,
          {
            method,
            ca,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(payload ? { 'content-type': 'application/json' } : {}),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                /* not JSON */
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });

    const version = (await apiCall('GET', '/version')).body.gitVersion as string;
    return {
      url,
      dir,
      kubeconfig,
      token,
      ca,
      version,
      webhookTls,
      issueServingCert: (name) => servingCert(dir, name),
      kubectl: (args, o = {}) => run(bin('kubectl'), args, { env: toolEnv, ...o }),
      helm: (args, o = {}) => run(bin('helm'), args, { env: toolEnv, ...o }),
      api: apiCall,
      async waitForWebhook(namespace, isMutated, timeoutMs = 15_000) {
        const until = Date.now() + timeoutMs;
        const probe = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'ferry-webhook-probe', namespace },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        };
        for (;;) {
          const r = await apiCall('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, probe);
          if (r.status === 201 && isMutated(r.body)) return;
          if (Date.now() > until)
            throw new Error(
              `the webhook did not mutate a dry-run pod in ${namespace} within ${timeoutMs} ms: ${JSON.stringify(r.body).slice(0, 500)}`,
            );
          await new Promise((res) => setTimeout(res, 200));
        }
      },
      async stop() {
        for (const c of [...children].reverse()) await terminate(c, 'SIGTERM', 10_000);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of [...children].reverse()) await terminate(c, 'SIGKILL', 2000);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
