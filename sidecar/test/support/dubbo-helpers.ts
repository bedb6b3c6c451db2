/**
 * Small helpers shared by the Dubbo integration tests (not a test file itself).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { FrameDecoder, type DubboFrame } from '../../src/protocols/dubbo/codec.js';
import type { PeerJson } from './peer-json.js';

export interface SniffedFrame extends DubboFrame {
  /** `c2s` consumer → provider, `s2c` provider → consumer. */
  dir: 'c2s' | 's2c';
  /** Index of the proxied TCP connection. */
  connection: number;
}

export interface Sniffer {
  port: number;
  frames: SniffedFrame[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A transparent TCP proxy to 127.0.0.1:targetPort that decodes every Dubbo frame going through it (both
 * directions, PeerJson serialization id) with Ferry's FrameDecoder, without changing a byte.
 */
export async function startSniffer(targetPort: number): Promise<Sniffer> {
  const frames: SniffedFrame[] = [];
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((client) => {
    const connection = count++;
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const pipe = (from: Socket, to: Socket, dir: 'c2s' | 's2c') => {
      const decoder = new FrameDecoder({ serializations: Array.from({ length: 32 }, (_, i) => i) });
      from.on('data', (chunk: Buffer) => {
        to.write(chunk);
        try {
          for (const f of decoder.push(chunk)) frames.push({ ...f, body: Buffer.from(f.body), dir, connection });
        } catch {
          /* not Dubbo: just forward */
        }
      });
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    };
    pipe(client, upstream, 'c2s');
    pipe(upstream, client, 's2c');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    frames,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  body: PeerJson;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

/** POST JSON to Ferry; the answer parsed. */
export async function postJson(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = Date.now();
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body, headers: res.headers, ms: Date.now() - t0 };
}

export { setTimeout as sleep } from 'node:timers/promises';

/** Percentile (0..1) of a list of numbers. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
