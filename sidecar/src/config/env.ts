/**
 * `FERRY_*` environment variables as config overrides. A variable names a path with `__` between
 * levels: `FERRY_LISTEN__PORT=5000`, `FERRY_SERVICES__ORDERS__TIMEOUT_MS=800`. Single underscores become
 * camelCase (`TIMEOUT_MS` → `timeoutMs`). Values are strings; the schema converts them.
 * Only a variable whose first level is one of `sections` (the config's top-level keys) is config; the others
 * belong to someone else and are left alone: the SDK's `FERRY_URL` and `FERRY_API_TOKEN`, which the
 * Kubernetes injector sets in the same pod, `FERRY_CONFIG`, `FERRY_POD_IP`. A typo inside a section
 * (`FERRY_LISTEN__PROT`) is still refused by the schema.
 */
export function envOverrides(env: NodeJS.ProcessEnv, sections: readonly string[], prefix = 'FERRY_'): Record<string, unknown> {
  const known = new Set(sections);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const path = name.slice(prefix.length).split('__').map(camel);
    if (!known.has(path[0]!)) continue;
    setPath(out, path, value);
  }
  return out;
}

function camel(segment: string): string {
  const lower = segment.toLowerCase();
  return lower.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) node[key] = value;
    else {
      const next = node[key];
      if (next === null || typeof next !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
  });
}

/** Deep merge of plain objects; arrays and scalars from `over` replace those in `base`. */
export function merge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
