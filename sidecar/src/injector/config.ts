/**
 * The injector's own config (`ferry injector --config injector.yaml`; the chart's ConfigMap): where it
 * listens, its TLS files, and the mesh-wide defaults of every injected sidecar, which pod annotations
 * override. Every option and its default is here; the chart's values.yaml mirrors the `sidecar` section.
 */
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { bool, dflt, dict, num, obj, oneOf, opt, str, validate, type Infer, type Issue } from '../config/dsl.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_PORT } from '@ferry/sdk/contract';
import { ConfigError } from '../config/load.js';
import { version } from '../cli.js';
import { isQuantity, isEnvName, LOG_LEVELS, MANAGED_ENV } from './values.js';

const port = () => num({ int: true, min: 1, max: 65535 });
const listenPort = () => num({ int: true, min: 0, max: 65535 });
const quantity = () => str((v) => (v === '' || isQuantity(v) ? undefined : 'not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)'));

export const sidecarSchema = obj({
  image: dflt(str((v) => (/^\S+$/.test(v) ? undefined : 'not an image reference')), `ferry:${version()}`),
  imagePullPolicy: dflt(oneOf(['IfNotPresent', 'Always', 'Never'] as const), 'IfNotPresent'),
  /**
   * `native`: an init container with `restartPolicy: Always` (Kubernetes >= 1.29): started and ready before
   * the app, stopped after it. `classic`: the first app container, with a postStart hook that holds the other
   * containers until Ferry is ready (older clusters). The chart picks from the server version.
   */
  mode: dflt(oneOf(['native', 'classic'] as const), 'native'),
  port: dflt(port(), DEFAULT_PORT),
  adminPort: dflt(port(), DEFAULT_ADMIN_PORT),
  logLevel: dflt(oneOf(LOG_LEVELS), 'info'),
  cpuRequest: dflt(quantity(), '50m'),
  /** Empty: no CPU limit (no throttling of the request path). */
  cpuLimit: dflt(quantity(), ''),
  memoryRequest: dflt(quantity(), '64Mi'),
  memoryLimit: dflt(quantity(), '256Mi'),
  /** Ferry's drain on SIGTERM (`shutdown.drainTimeoutMs`); the pod's grace period is raised to cover it. */
  gracefulShutdownSeconds: dflt(num({ int: true, min: 1, max: 3600 }), 15),
  /**
   * Ferry's console on the admin port. Off in pods by default: the admin port listens on the pod's addresses
   * (for the probes), so the console would be open to the pod network; with it on, set an admin token.
   */
  console: dflt(bool(), false),
  /** The sidecar runs as this non-root user (the image's user). */
  runAsUser: dflt(num({ int: true, min: 1 }), 65532),
  /** Extra environment for every sidecar, e.g. mesh-wide Ferry config: `FERRY_REGISTRIES__ZK__ADDRESS: zk.infra:2181`. */
  env: dflt(dict(str()), {}),
});

export const injectorSchema = obj({
  /** The webhook (HTTPS). */
  listen: obj({ host: dflt(str(), '0.0.0.0'), port: dflt(listenPort(), 8443) }),
  /** `/healthz`, `/readyz`, `/metrics` (plain HTTP). */
  admin: obj({ enabled: dflt(bool(), true), host: dflt(str(), '0.0.0.0'), port: dflt(listenPort(), 8080) }),
  /** PEM files, re-read when they change (a Secret volume's swap, cert-manager's renewal). */
  tls: obj({ certFile: str(), keyFile: str() }),
  /** The injector's own namespace, never injected; `$POD_NAMESPACE` fills it. */
  namespace: opt(str()),
  log: obj({ level: dflt(oneOf(LOG_LEVELS), 'info') }),
  shutdown: obj({
    /** After SIGTERM, keep answering (readiness off) while the Service stops sending here. */
    delayMs: dflt(num({ int: true, min: 0 }), 5000),
    /** Then wait at most this long for admissions in flight. */
    drainTimeoutMs: dflt(num({ int: true, min: 1 }), 10000),
  }),
  sidecar: sidecarSchema,
});

export type InjectorConfig = Infer<typeof injectorSchema>;
export type SidecarDefaults = Infer<typeof sidecarSchema>;

/** Sections the injector reads at start; a reload may change only `sidecar` and `namespace`. */
export const INJECTOR_RESTART_ONLY = ['listen', 'admin', 'tls', 'log', 'shutdown'] as const;

export function parseInjectorConfig(text: string, source: string, env: NodeJS.ProcessEnv = {}): InjectorConfig {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : yaml.load(text, { filename: source });
  } catch (err) {
    throw new ConfigError([{ path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }], source);
  }
  const { value, issues } = validate(injectorSchema, doc ?? {});
  checkSidecar(value.sidecar, issues);
  if (issues.length > 0) throw new ConfigError(issues, source);
  if (!value.namespace && env.POD_NAMESPACE) value.namespace = env.POD_NAMESPACE;
  return value;
}

function checkSidecar(s: SidecarDefaults, issues: Issue[]): void {
  if (s.port === s.adminPort) issues.push({ path: 'sidecar.adminPort', message: `must differ from sidecar.port (${s.port})` });
  for (const name of Object.keys(s.env)) {
    if (!isEnvName(name)) issues.push({ path: `sidecar.env.${name}`, message: 'not an environment variable name' });
    else if (MANAGED_ENV.has(name))
      issues.push({ path: `sidecar.env.${name}`, message: 'set by the injector from the sidecar settings and annotations' });
  }
}

export async function loadInjectorConfig(file: string, env: NodeJS.ProcessEnv): Promise<{ config: InjectorConfig; text: string }> {
  const text = await readFile(file, 'utf8');
  return { config: parseInjectorConfig(text, file, env), text };
}
