import type { Carrier } from '../types.js';

/** Dubbo request attachments (`Map<String,Object>` on the wire; values Ferry sets are strings). */
export type DubboAttachments = Record<string, unknown>;

/**
 * Attachment keys Dubbo itself uses or strips: a propagated key never overwrites them.
 * - Framing/routing ones the client writes: `path`, `interface`, `version`, `group`, `dubbo` (protocol
 *   version), `timeout`, `_TO`/`timeout-countdown`, `token`, `generic`, `async`, `side`, `application`,
 *   `remote.application`, `input`/`output` (payload sizes), `dubbo.tag`/`dubbo.force.tag` (tag routing),
 *   `id`/`callback.service.instid`/`sys_callback_arg-` (callbacks);
 * - the Dubbo 3 AccessKey authenticator's `ak`, `signature`, `timestamp`, `consumer`.
 * Dubbo 3.3's provider `ContextFilter` also hides HTTP header names (`authorization`, `cookie`, `accept`…)
 * from `RpcContext.getServerAttachment()`; those still travel and stay readable from the invocation
 * (`invocation.getAttachment("authorization")`, e.g. in a provider Filter).
 */
export const DUBBO_RESERVED_ATTACHMENTS: ReadonlySet<string> = new Set([
  'path',
  'interface',
  'version',
  'group',
  'dubbo',
  'timeout',
  '_to',
  'timeout-countdown',
  'token',
  'generic',
  'async',
  'side',
  'application',
  'remote.application',
  'input',
  'output',
  'dubbo.tag',
  'dubbo.force.tag',
  'id',
  'callback.service.instid',
  'ak',
  'signature',
  'timestamp',
  'consumer',
]);

export function isDubboReserved(key: string): boolean {
  const k = key.toLowerCase();
  return DUBBO_RESERVED_ATTACHMENTS.has(k) || k.startsWith('sys_callback_arg-') || k.startsWith('dubbo.');
}

function stringValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Dubbo attachments as a propagation carrier: lower-case keys, string values, reserved keys never written.
 * `get` is case-insensitive, since Java tracers write `X-B3-TraceId`.
 */
export const dubboAttachmentCarrier: Carrier<DubboAttachments> = {
  get(attachments, key) {
    const direct = stringValue(attachments[key]);
    if (direct !== undefined) return direct;
    const lower = key.toLowerCase();
    for (const k of Object.keys(attachments)) if (k.toLowerCase() === lower) return stringValue(attachments[k]);
    return undefined;
  },
  set(attachments, key, value) {
    if (isDubboReserved(key)) return;
    attachments[key.toLowerCase()] = String(value);
  },
  keys(attachments) {
    return Object.keys(attachments);
  },
};
