/** The console's calls to its own admin API (same origin; the sign-in cookie rides along). */

export class SignedOut extends Error {}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/admin/v1/${path}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) throw new SignedOut();
  if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/admin/v1/${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 401) throw new SignedOut();
  if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

export const fmt = {
  rps: (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)),
  pct: (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`,
  ms: (v: number | null | undefined) => {
    if (v === null || v === undefined) return '–';
    return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
  },
  time: (at: number | undefined) => (at ? new Date(at).toLocaleTimeString() : '–'),
  ago: (at: number | undefined) => {
    if (!at) return 'never';
    const s = Math.max(0, Math.round((Date.now() - at) / 1000));
    return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
  },
};
