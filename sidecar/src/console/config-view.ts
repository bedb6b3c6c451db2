/**
 * The Config page: the effective config with secrets masked, and how the last reload went.
 */
import type { FerryConfig } from '../config/schema.js';
import type { ConfigView, ReloadResult } from './views.js';

/** Keys whose values are secrets wherever they appear (the admin token, Dubbo's provider token, passwords…). */
const SECRET_KEY = /token|passw(or)?d|secret|credential|api[-_]?key|authorization|cookie/i;
export const MASK = '••••••';

function maskUrl(value: string): string {
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/i,
    (_, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(':') ? `${userinfo.split(':')[0]}:${MASK}` : MASK}@`,
  );
}

export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) ? MASK : maskUrl(value);
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEY.test(k) && v !== undefined && typeof v !== 'object' ? MASK : maskSecrets(v, k);
    return out;
  }
  return value;
}

export function configView(config: FerryConfig, startedAt: number, lastReload: ReloadResult | undefined): ConfigView {
  return { config: maskSecrets(config), startedAt, ...(lastReload ? { lastReload } : {}) };
}
