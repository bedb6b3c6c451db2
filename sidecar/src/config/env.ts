/**
 * `FERRY_*` environment variables as config overrides. A variable names a path with `__` between
 * levels: `FERRY_LISTEN__PORT=5000`, `FERRY_SERVICES__ORDERS__TIMEOUT_MS=800`. Single underscores become
 * camelCase (`TIMEOUT_MS` → `timeoutMs`). Values are strings; the schema converts them.
 */
export function envOverrides(env: NodeJS.ProcessEnv, prefix = 'FERRY_'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const rest = name.slice(prefix.length);
    if (rest === 'CONFIG' || rest === 'POD_IP') continue;
    const path = rest.split('__').map(camel);
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
