/**
 * The pod annotations the injector reads (Dapr-style, `ferry.io/*`). Unknown
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

/** Applies one annotation's value to the settings; answers the problem with it, if any. */
type Apply = (value: string, into: PodSettings) => string | undefined;

const port = (v: string): Parsed<number> =>
  /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? { value: Number(v) } : { problem: `"${v}" is not a port (1-65535)` };

function set<T>(parse: (v: string) => Parsed<T>, assign: (s: PodSettings, v: T) => void) {
  return (value: string, into: PodSettings) => {
    const r = parse(value);
    if ('problem' in r) return r.problem;
    assign(into, r.value);
    return undefined;
  };
}

const name =
  (what: string) =>
  (v: string): Parsed<string> =>
    isObjectName(v) ? { value: v } : { problem: `"${v}" is not a ${what} name (lowercase RFC 1123: a-z, 0-9, "-", ".")` };
const quantity = (v: string): Parsed<string> =>
  isQuantity(v) ? { value: v } : { problem: `"${v}" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)` };

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

/** Every annotation; their defaults and meanings are README's table ("Kubernetes"; a test checks it lists every key). */
export const ANNOTATIONS: Record<string, Apply> = {
  'ferry.io/inject': (v) => (v === 'true' || v === 'false' ? undefined : `"${v}" is neither "true" nor "false"`),
  'ferry.io/config': set(name('ConfigMap'), (s, v) => (s.config = v)),
  'ferry.io/app-port': set(port, (s, v) => (s.appPort = v)),
  'ferry.io/port': set(port, (s, v) => (s.port = v)),
  'ferry.io/admin-port': set(port, (s, v) => (s.adminPort = v)),
  'ferry.io/log-level': set<string>(
    (v) => ((LOG_LEVELS as readonly string[]).includes(v) ? { value: v } : { problem: `"${v}" is not one of ${LOG_LEVELS.join(', ')}` }),
    (s, v) => (s.logLevel = v),
  ),
  'ferry.io/sidecar-image': set<string>(
    (v) => (/^\S+$/.test(v) ? { value: v } : { problem: `"${v}" is not an image reference` }),
    (s, v) => (s.image = v),
  ),
  'ferry.io/sidecar-cpu-request': set(quantity, (s, v) => (s.cpuRequest = v)),
  'ferry.io/sidecar-cpu-limit': set(quantity, (s, v) => (s.cpuLimit = v)),
  'ferry.io/sidecar-memory-request': set(quantity, (s, v) => (s.memoryRequest = v)),
  'ferry.io/sidecar-memory-limit': set(quantity, (s, v) => (s.memoryLimit = v)),
  'ferry.io/api-token-secret': set(name('Secret'), (s, v) => (s.apiTokenSecret = v)),
  'ferry.io/graceful-shutdown-seconds': set<number>(
    (v) =>
      /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 3600
        ? { value: Number(v) }
        : { problem: `"${v}" is not a number of seconds (1-3600)` },
    (s, v) => (s.gracefulShutdownSeconds = v),
  ),
  'ferry.io/env': set(envList, (s, v) => (s.env = v)),
  [STATUS]: () => undefined,
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
    const apply = ANNOTATIONS[key];
    if (!apply) {
      problems.push(`${key}: unknown annotation (known: ${Object.keys(ANNOTATIONS).join(', ')})`);
      continue;
    }
    const problem = apply(String(value).trim(), settings);
    if (problem) problems.push(`${key}: ${problem}`);
  }
  if (settings.port === settings.adminPort)
    problems.push(`ferry.io/admin-port: ${settings.adminPort} is also the local API port (ferry.io/port)`);
  if (settings.appPort !== undefined && (settings.appPort === settings.port || settings.appPort === settings.adminPort)) {
    problems.push(`ferry.io/app-port: ${settings.appPort} is one of Ferry's own ports (${settings.port}, ${settings.adminPort})`);
  }
  for (const [kind, request, limit] of [
    ['cpu', settings.cpuRequest, settings.cpuLimit],
    ['memory', settings.memoryRequest, settings.memoryLimit],
  ] as const) {
    if (request && limit && quantityValue(request)! > quantityValue(limit)!)
      problems.push(`ferry.io/sidecar-${kind}-request: ${request} is above the ${kind} limit ${limit}`);
  }
  return { settings, problems };
}
