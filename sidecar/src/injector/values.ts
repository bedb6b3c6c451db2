/** Checks of the values Kubernetes itself would refuse later, so that the injector can say which annotation is wrong. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment variables the injector writes into the sidecar itself; annotations and mesh env may not set them. */
export const MANAGED_ENV = new Set([
  'POD_IP',
  'POD_NAME',
  'POD_NAMESPACE',
  'NODE_NAME',
  'FERRY_LISTEN__PORT',
  'FERRY_ADMIN__HOST',
  'FERRY_ADMIN__PORT',
  'FERRY_ADMIN__CONSOLE__ENABLED',
  'FERRY_LOG__LEVEL',
  'FERRY_SHUTDOWN__DRAIN_TIMEOUT_MS',
  'FERRY_INBOUND__APP__URL',
  'FERRY_API_TOKEN',
  'FERRY_CONFIG',
]);

const QUANTITY = /^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;
const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes resource quantity (`100m`, `0.5`, `128Mi`, `1e3`), as a number; undefined when it is not one. */
export function quantityValue(v: string): number | undefined {
  const m = QUANTITY.exec(v);
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1]!)) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (!suffix) return n;
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  return n * SUFFIX[suffix]!;
}

export const isQuantity = (v: string): boolean => quantityValue(v) !== undefined && !v.startsWith('-');

/** A C identifier, as Kubernetes recommends for env names (and POSIX shells need). */
export const isEnvName = (v: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v);

/** An object name such as a ConfigMap's or a Secret's (RFC 1123 subdomain). */
export const isObjectName = (v: string): boolean =>
  v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v);
