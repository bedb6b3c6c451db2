/**
 * The pod annotations the injector reads (Dapr-style, `ferry.io/*`), each with its default. Unknown
 * `ferry.io/*` keys and bad values are refused as a whole, every problem named, so that no pod starts
 * half-configured.
 */
import type { SidecarDefaults } from './config.js';
import { isEnvName, isObjectName, isQuantity, LOG_LEVELS, MANAGED_ENV, quantityValue } from './values.js';

export const PREFIX = 'ferry.io/';
export const INJECT = 'ferry.io/inject';
/** Written by the injector on the pods it patched; a pod that carries it is never injected again. */
export const STATUS = 'ferry.io/status';

/** Everything the patch needs, after annotations over the mesh-wide defaults. */
export interface PodSettings {
  config?: string;
  appPort?: number;
  port: number;
  adminPort: number;
  logLevel: string;
  image: string;
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
  apiTokenSecret?: string;
  gracefulShutdownSeconds: number;
  env: Array<[string, string]>;
}

type Parsed<T> = { value: T } | { problem: string };

interface AnnotationSpec {
  /** The default, as documented (README's table). */
  readonly default: (d: SidecarDefaults) => string;
  readonly meaning: string;
  apply(value: string, into: PodSettings): string | undefined;
}

const port = (v: string): Parsed<number> => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? { value: Number(v) } : { problem: `"${v}" is not a port (1-65535)` });

function set<T>(parse: (v: string) => Parsed<T>, assign: (s: PodSettings, v: T) => void) {
  return (value: string, into: PodSettings): string | undefined => {
    const r = parse(value);
    if ('problem' in r) return r.problem;
    assign(into, r.value);
    return undefined;
  };
}

const name = (what: string) => (v: string): Parsed<string> => (isObjectName(v) ? { value: v } : { problem: `"${v}" is not a ${what} name (lowercase RFC 1123: a-z, 0-9, "-", ".")` });
const quantity = (v: string): Parsed<string> => (isQuantity(v) ? { value: v } : { problem: `"${v}" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)` });

/** `NAME=value,NAME2=value2` (Dapr's format): a value can hold `=`, not `,`. */
function envList(v: string): Parsed<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq).trim();
    if (eq < 0 || !isEnvName(key)) return { problem: `"${item}" is not NAME=value (a list: NAME=value,NAME2=value2)` };
    if (MANAGED_ENV.has(key)) return { problem: `${key} is set by the injector (use the ferry.io/* annotation for it)` };
    out.push([key, item.slice(eq + 1).trim()]);
  }
  return { value: out };
}

export const ANNOTATIONS: Record<string, AnnotationSpec> = {
  'ferry.io/inject': {
    default: () => '`true` in a namespace labelled `ferry.io/inject=enabled`, else `false`',
    meaning: '`"true"` injects this pod in any namespace; `"false"` keeps it out of a labelled namespace',
    apply: (v) => (v === 'true' || v === 'false' ? undefined : `"${v}" is neither "true" nor "false"`),
  },
  'ferry.io/config': {
    default: () => 'none: defaults + `sidecar.env` + the annotations',
    meaning: 'a ConfigMap in the pod\'s namespace whose key `ferry.yaml` is the service\'s config, mounted at `/etc/ferry` (edits reload live)',
    apply: set(name('ConfigMap'), (s, v) => (s.config = v)),
  },
  'ferry.io/app-port': {
    default: () => 'none: the config\'s `inbound.app.url` (`http://127.0.0.1:8080`)',
    meaning: 'where the app listens, for calls coming in (sets `inbound.app.url` to `http://127.0.0.1:PORT`)',
    apply: set(port, (s, v) => (s.appPort = v)),
  },
  'ferry.io/port': {
    default: (d) => String(d.port),
    meaning: 'the local API port the app calls (`listen.port`; the app gets `FERRY_URL=http://127.0.0.1:PORT`)',
    apply: set(port, (s, v) => (s.port = v)),
  },
  'ferry.io/admin-port': {
    default: (d) => String(d.adminPort),
    meaning: 'health and metrics (`admin.port`, bound to all pod addresses for the kubelet\'s probes and Prometheus)',
    apply: set(port, (s, v) => (s.adminPort = v)),
  },
  'ferry.io/log-level': {
    default: (d) => d.logLevel,
    meaning: `\`log.level\`: ${LOG_LEVELS.join(', ')}`,
    apply: set<string>((v) => ((LOG_LEVELS as readonly string[]).includes(v) ? { value: v } : { problem: `"${v}" is not one of ${LOG_LEVELS.join(', ')}` }), (s, v) => (s.logLevel = v)),
  },
  'ferry.io/sidecar-image': {
    default: (d) => `\`${d.image}\` (chart: \`image.repository:image.tag\`)`,
    meaning: 'the sidecar\'s image',
    apply: set<string>((v) => (/^\S+$/.test(v) ? { value: v } : { problem: `"${v}" is not an image reference` }), (s, v) => (s.image = v)),
  },
  'ferry.io/sidecar-cpu-request': { default: (d) => d.cpuRequest, meaning: 'CPU request', apply: set(quantity, (s, v) => (s.cpuRequest = v)) },
  'ferry.io/sidecar-cpu-limit': { default: (d) => d.cpuLimit || 'none', meaning: 'CPU limit', apply: set(quantity, (s, v) => (s.cpuLimit = v)) },
  'ferry.io/sidecar-memory-request': { default: (d) => d.memoryRequest, meaning: 'memory request', apply: set(quantity, (s, v) => (s.memoryRequest = v)) },
  'ferry.io/sidecar-memory-limit': { default: (d) => d.memoryLimit || 'none', meaning: 'memory limit', apply: set(quantity, (s, v) => (s.memoryLimit = v)) },
  'ferry.io/api-token-secret': {
    default: () => 'none',
    meaning: 'a Secret in the pod\'s namespace whose key `token` is passed as `FERRY_API_TOKEN` to the sidecar and every app container',
    apply: set(name('Secret'), (s, v) => (s.apiTokenSecret = v)),
  },
  'ferry.io/graceful-shutdown-seconds': {
    default: (d) => String(d.gracefulShutdownSeconds),
    meaning: 'Ferry\'s drain on SIGTERM (`shutdown.drainTimeoutMs`); the pod\'s `terminationGracePeriodSeconds` is raised to cover it',
    apply: set<number>((v) => (/^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 3600 ? { value: Number(v) } : { problem: `"${v}" is not a number of seconds (1-3600)` }), (s, v) => (s.gracefulShutdownSeconds = v)),
  },
  'ferry.io/env': {
    default: () => 'none',
    meaning: 'extra sidecar environment, `NAME=value,NAME2=value2` (e.g. `FERRY_SERVICES__ORDERS__TIMEOUT_MS=800`)',
    apply: set(envList, (s, v) => (s.env = v)),
  },
  [STATUS]: {
    default: () => 'set by the injector',
    meaning: '`injected` on a pod the injector patched; such a pod is never injected twice',
    apply: () => undefined,
  },
};

/** The pod's settings, or every problem with its annotations (`ferry.io/port: "abc" is not a port (1-65535)`). */
export function podSettings(annotations: Record<string, string>, defaults: SidecarDefaults): { settings: PodSettings; problems: string[] } {
  const settings: PodSettings = {
    port: defaults.port,
    adminPort: defaults.adminPort,
    logLevel: defaults.logLevel,
    image: defaults.image,
    cpuRequest: defaults.cpuRequest,
    cpuLimit: defaults.cpuLimit,
    memoryRequest: defaults.memoryRequest,
    memoryLimit: defaults.memoryLimit,
    gracefulShutdownSeconds: defaults.gracefulShutdownSeconds,
    env: [],
  };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(PREFIX)) continue;
    const spec = ANNOTATIONS[key];
    if (!spec) {
      problems.push(`${key}: unknown annotation (known: ${Object.keys(ANNOTATIONS).join(', ')})`);
      continue;
    }
    const problem = spec.apply(String(value).trim(), settings);
    if (problem) problems.push(`${key}: ${problem}`);
  }
  if (settings.port === settings.adminPort) problems.push(`ferry.io/admin-port: ${settings.adminPort} is also the local API port (ferry.io/port)`);
  if (settings.appPort !== undefined && (settings.appPort === settings.port || settings.appPort === settings.adminPort)) {
    problems.push(`ferry.io/app-port: ${settings.appPort} is one of Ferry's own ports (${settings.port}, ${settings.adminPort})`);
  }
  for (const [kind, request, limit] of [
    ['cpu', settings.cpuRequest, settings.cpuLimit],
    ['memory', settings.memoryRequest, settings.memoryLimit],
  ] as const) {
    if (request && limit && quantityValue(request)! > quantityValue(limit)!) problems.push(`ferry.io/sidecar-${kind}-request: ${request} is above the ${kind} limit ${limit}`);
  }
  return { settings, problems };
}
