import { Metadata } from '@grpc/grpc-js';
import type { Carrier } from '../types.js';

/** Keys Ferry never writes as metadata: HTTP/2 framing and gRPC's own (except the binary trace/tags keys). */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'te',
  'host',
  'user-agent',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'trailer',
  'date',
  'server',
]);
const GRPC_ALLOWED = new Set(['grpc-trace-bin', 'grpc-tags-bin']);

export function isReservedKey(key: string): boolean {
  return RESERVED.has(key) || key.startsWith(':') || (key.startsWith('grpc-') && !GRPC_ALLOWED.has(key)) || key.startsWith('x-ferry-');
}

/**
 * gRPC metadata as a propagation carrier. Keys ending in `-bin` are binary: written from base64 text and
 * read back as base64. Keys or values that metadata cannot carry are skipped rather than failing the call.
 */
export const grpcCarrier: Carrier<Metadata> = {
  get(metadata, key) {
    const values = metadata.get(key.toLowerCase());
    if (values.length === 0) return undefined;
    return values.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64'))).join(', ');
  },
  set(metadata, key, value) {
    const name = key.toLowerCase();
    if (isReservedKey(name)) return;
    try {
      if (name.endsWith('-bin')) metadata.set(name, Buffer.from(value, 'base64'));
      else metadata.set(name, value);
    } catch {
      // Not a legal metadata key or value (e.g. non-ASCII text): not sent.
    }
  },
  keys(metadata) {
    return Object.keys(metadata.getMap());
  },
};

/** What grpc-js's `Metadata` accepts as a key, and as the value of a text (not `-bin`) key. */
const LEGAL_KEY = /^[0-9a-z_.-]+$/;
const LEGAL_TEXT = /^[ -~]*$/;

/**
 * `grpcCarrier.set` for request headers being built: the same keys skipped, the same values refused, and a
 * `-bin` value sent as `Metadata.toHttp2Headers` sends it (its base64 decoded and written again).
 */
export function setMetadataHeader(headers: Record<string, unknown>, key: string, value: string): void {
  const name = key.toLowerCase();
  if (isReservedKey(name) || !LEGAL_KEY.test(name)) return;
  if (name.endsWith('-bin')) headers[name] = Buffer.from(value, 'base64').toString('base64');
  else if (LEGAL_TEXT.test(value)) headers[name] = value;
}

/** Whether HTTP/2 headers hold metadata `metadataToHeaders` would hand on (most answers carry only gRPC's own keys). */
export function carriesMetadata(headers: Readonly<Record<string, unknown>>): boolean {
  for (const key in headers) if (!isReservedKey(key) && key !== 'x-request-id') return true;
  return false;
}

/** The upstream's response metadata (headers, optionally trailers) as HTTP headers for the app. */
export function metadataToHeaders(...sources: Array<Metadata | undefined>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const metadata of sources) {
    if (!metadata) continue;
    for (const key of Object.keys(metadata.getMap())) {
      if (isReservedKey(key) || key === 'x-request-id') continue;
      const value = grpcCarrier.get(metadata, key);
      if (value !== undefined && /^[\t\x20-\x7e]*$/.test(value)) out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export { Metadata };
