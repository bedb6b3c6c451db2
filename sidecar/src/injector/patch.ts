/**
 * The sidecar container and the JSONPatch (RFC 6902) that adds it to a pod. Pure functions of the pod, the
 * pod's settings and the mesh-wide defaults: the unit goldens lock their output.
 */
import { ROUTES } from '@ferry/sdk/contract';
import { STATUS, type PodSettings } from './annotations.js';
import type { SidecarDefaults } from './config.js';

export const CONTAINER_NAME = 'ferry';
export const CONFIG_VOLUME = 'ferry-config';
export const CONFIG_DIR = '/etc/ferry';
export const CONFIG_FILE = `${CONFIG_DIR}/ferry.yaml`;
export const TOKEN_KEY = 'token';
/** Classic mode: how long Ferry keeps serving after the pod is told to stop, while the app finishes its calls. */
export const CLASSIC_PRESTOP_SECONDS = 5;
/** How long the classic postStart hook waits for `/readyz` before failing the container. */
export const CLASSIC_READY_WAIT_SECONDS = 120;
/** Kubernetes' default `terminationGracePeriodSeconds`. */
const DEFAULT_GRACE_SECONDS = 30;

// Only the fields the injector reads or writes; everything else passes through untouched.
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}
export interface Container {
  name: string;
  env?: EnvVar[];
  ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
  [key: string]: unknown;
}
export interface Pod {
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: unknown[];
    hostNetwork?: boolean;
    terminationGracePeriodSeconds?: number;
    [key: string]: unknown;
  };
}
export interface PatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const httpGet = (path: string) => ({ httpGet: { path, port: 'ferry-admin' } });

/** The local API's URL inside the pod, as the SDK reads it from `FERRY_URL`. */
export const ferryUrl = (s: PodSettings) => `http://127.0.0.1:${s.port}`;

function tokenEnv(secret: string): EnvVar {
  return { name: 'FERRY_API_TOKEN', valueFrom: { secretKeyRef: { name: secret, key: TOKEN_KEY } } };
}

/** The environment of the sidecar: the downward API (Ferry registers `POD_IP` in ZooKeeper), then its config. */
function sidecarEnv(s: PodSettings, defaults: SidecarDefaults): EnvVar[] {
  const env: EnvVar[] = [
    field('POD_IP', 'status.podIP'),
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    field('NODE_NAME', 'spec.nodeName'),
    { name: 'FERRY_LISTEN__PORT', value: String(s.port) },
    // the kubelet probes and Prometheus reach the admin port at the pod's address
    { name: 'FERRY_ADMIN__HOST', value: '0.0.0.0' },
    { name: 'FERRY_ADMIN__PORT', value: String(s.adminPort) },
    { name: 'FERRY_ADMIN__CONSOLE__ENABLED', value: String(defaults.console) },
    { name: 'FERRY_LOG__LEVEL', value: s.logLevel },
    { name: 'FERRY_SHUTDOWN__DRAIN_TIMEOUT_MS', value: String(s.gracefulShutdownSeconds * 1000) },
  ];
  if (s.appPort !== undefined) env.push({ name: 'FERRY_INBOUND__APP__URL', value: `http://127.0.0.1:${s.appPort}` });
  if (s.apiTokenSecret) env.push(tokenEnv(s.apiTokenSecret));
  for (const [name, value] of Object.entries(defaults.env)) env.push({ name, value });
  for (const [name, value] of s.env) env.push({ name, value });
  return env;
}

/** A node one-liner polling `/readyz` (the image has node and nothing else to run a hook with). */
function waitReadyCommand(adminPort: number): string[] {
  const script =
    `const u='http://127.0.0.1:${adminPort}${ROUTES.readyz}',end=Date.now()+${CLASSIC_READY_WAIT_SECONDS * 1000};` +
    `(async()=>{for(;;){try{if((await fetch(u)).ok)process.exit(0)}catch{}` +
    `if(Date.now()>end){console.error('ferry not ready in time');process.exit(1)}await new Promise(r=>setTimeout(r,250))}})()`;
  return ['node', '-e', script];
}

export function sidecarContainer(s: PodSettings, defaults: SidecarDefaults, mode: 'native' | 'classic'): Container {
  const resources: Record<string, Record<string, string>> = { requests: {} };
  if (s.cpuRequest) resources.requests!.cpu = s.cpuRequest;
  if (s.memoryRequest) resources.requests!.memory = s.memoryRequest;
  const limits: Record<string, string> = {};
  if (s.cpuLimit) limits.cpu = s.cpuLimit;
  if (s.memoryLimit) limits.memory = s.memoryLimit;
  if (Object.keys(limits).length) resources.limits = limits;
  return {
    name: CONTAINER_NAME,
    image: s.image,
    imagePullPolicy: defaults.imagePullPolicy,
    ...(mode === 'native' ? { restartPolicy: 'Always' } : {}),
    args: s.config ? ['--config', CONFIG_FILE] : ['--no-config'],
    ports: [{ name: 'ferry-admin', containerPort: s.adminPort, protocol: 'TCP' }],
    env: sidecarEnv(s, defaults),
    resources,
    // native: the app starts once this passes; classic: the postStart hook holds the app instead
    startupProbe: { ...httpGet(ROUTES.readyz), periodSeconds: 1, timeoutSeconds: 2, failureThreshold: CLASSIC_READY_WAIT_SECONDS },
    readinessProbe: { ...httpGet(ROUTES.readyz), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    livenessProbe: { ...httpGet(ROUTES.healthz), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    ...(mode === 'classic'
      ? {
          lifecycle: {
            postStart: { exec: { command: waitReadyCommand(s.adminPort) } },
            preStop: { exec: { command: ['node', '-e', `setTimeout(()=>{},${CLASSIC_PRESTOP_SECONDS * 1000})`] } },
          },
        }
      : {}),
    ...(s.config ? { volumeMounts: [{ name: CONFIG_VOLUME, mountPath: CONFIG_DIR, readOnly: true }] } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: defaults.runAsUser,
      runAsGroup: defaults.runAsUser,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** `/` and `~` in a JSON Pointer segment (annotation keys). */
const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Appends `items` to the array at `path`, creating it when the pod has none. */
function append(ops: PatchOp[], path: string, existing: unknown[] | undefined, items: unknown[]): void {
  if (items.length === 0) return;
  if (!existing) ops.push({ op: 'add', path, value: items });
  else for (const item of items) ops.push({ op: 'add', path: `${path}/-`, value: item });
}

/**
 * The patch: `FERRY_URL` (and the token) into every app container that does not set them already, the sidecar
 * (native: first init container; classic: first container), its config volume, a grace period that covers
 * Ferry's drain, and the `ferry.io/status` annotation.
 */
export function buildPatch(pod: Pod, s: PodSettings, defaults: SidecarDefaults, mode: 'native' | 'classic'): PatchOp[] {
  const ops: PatchOp[] = [];
  const spec = pod.spec ?? {};
  const appEnv: EnvVar[] = [{ name: 'FERRY_URL', value: ferryUrl(s) }, ...(s.apiTokenSecret ? [tokenEnv(s.apiTokenSecret)] : [])];
  for (const [list, key] of [
    [spec.initContainers, 'initContainers'],
    [spec.containers, 'containers'],
  ] as const) {
    (list ?? []).forEach((c, i) => {
      const missing = appEnv.filter((e) => !c.env?.some((own) => own.name === e.name));
      append(ops, `/spec/${key}/${i}/env`, c.env, missing);
    });
  }
  const container = sidecarContainer(s, defaults, mode);
  if (mode === 'native') {
    if (spec.initContainers?.length) ops.push({ op: 'add', path: '/spec/initContainers/0', value: container });
    else ops.push({ op: 'add', path: '/spec/initContainers', value: [container] });
  } else {
    ops.push({ op: 'add', path: '/spec/containers/0', value: container });
  }
  if (s.config) append(ops, '/spec/volumes', spec.volumes, [{ name: CONFIG_VOLUME, configMap: { name: s.config } }]);

  const needed = s.gracefulShutdownSeconds + (mode === 'classic' ? CLASSIC_PRESTOP_SECONDS : 0) + 5;
  const grace = spec.terminationGracePeriodSeconds;
  if ((grace ?? DEFAULT_GRACE_SECONDS) < needed)
    ops.push({ op: grace === undefined ? 'add' : 'replace', path: '/spec/terminationGracePeriodSeconds', value: needed });

  if (!pod.metadata?.annotations) ops.push({ op: 'add', path: '/metadata/annotations', value: { [STATUS]: 'injected' } });
  else ops.push({ op: 'add', path: `/metadata/annotations/${pointer(STATUS)}`, value: 'injected' });
  return ops;
}
