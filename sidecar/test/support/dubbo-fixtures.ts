/**
 * The golden Dubbo frames in sidecar/test/fixtures/dubbo (captured from real Java peers, see the README there) and
 * what the tests need to interpret them: the type matrix's Java types, a manifest loader, and a replay of the
 * captured calls encoded by Ferry against a live provider. Not a test file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, encodeFrame, type DubboFrame } from '../../src/protocols/dubbo/codec.js';
import { decodeErrorBody, decodeResponseBody, encodeRequestBody } from '../../src/protocols/dubbo/body.js';
import {
  decodeException,
  formatJavaType,
  fromJava,
  splitDescriptor,
  toJava,
  typeFromDescriptor,
} from '../../src/protocols/hessian/index.js';
import { USER_CLASS, USER_FIELDS } from './java-samples.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/dubbo/', import.meta.url));
const MANIFEST = `${FIXTURES_DIR}manifest.json`;

export const USER = USER_CLASS;
export const ORDER = 'com.example.ferry.api.Order';
export const ORDER_LINE = 'com.example.ferry.api.OrderLine';
/** POJO field types, in declaration order (what `classes:` holds in Ferry's config). */
export const CLASSES: Record<string, Readonly<Record<string, string>>> = {
  [USER]: USER_FIELDS,
  [ORDER]: { id: 'long', buyer: USER, lines: `java.util.List<${ORDER_LINE}>` },
  [ORDER_LINE]: { sku: 'java.lang.String', quantity: 'int', price: 'java.math.BigDecimal' },
};
/** Declared return types of the captured methods. */
export const RETURNS: Record<string, string> = {
  echoInt: 'int',
  echoLong: 'long',
  echoString: 'java.lang.String',
  echoBigDecimal: 'java.math.BigDecimal',
  echoDate: 'java.util.Date',
  echoLocalDate: 'java.time.LocalDate',
  echoLocalDateTime: 'java.time.LocalDateTime',
  echoColor: 'com.example.ferry.api.Color',
  echoUser: USER,
  echoOrder: ORDER,
  echoMap: 'java.util.Map<java.lang.String,java.lang.Long>',
  echoBytes: 'byte[]',
  nullUser: USER,
  echo: 'java.lang.String',
  record: 'void',
  getUser: USER,
  illegal: 'java.lang.String',
  whoami: 'java.lang.String',
  attachments: 'java.util.Map<java.lang.String,java.lang.String>',
};

export interface ManifestFrame {
  file: string;
  dir: 'c2s' | 's2c';
  id: string;
  flag: string;
  status: number;
  serialization: number;
  bodyLength: number;
  twoWay: boolean;
  event: boolean;
  kind?: 'typed' | 'generic';
  dubboVersion?: string;
  path?: string;
  version?: string;
  method?: string;
  desc?: string;
  genericMethod?: string;
  call?: string;
  args?: unknown;
  responseFlag?: number;
  ok?: boolean;
  value?: unknown;
  exception?: string;
  exceptionClass?: string;
  message?: string;
  responseAttachments?: Record<string, string>;
  aliasOf?: string;
}

/** The manifest, or undefined when no frames were captured. */
export function fixtureManifest(): { frames: ManifestFrame[] } | undefined {
  return existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { frames: ManifestFrame[] }) : undefined;
}

/** The one frame of a fixture file. */
export function fixtureFrame(m: ManifestFrame): DubboFrame {
  const frames = new FrameDecoder().push(readFileSync(FIXTURES_DIR + m.file));
  if (frames.length !== 1) throw new Error(`${m.file}: ${frames.length} frames`);
  return frames[0]!;
}

/** The Java peers print Dates like Instant.toString (no millis when zero); Ferry always prints toISOString. */
export function normalize(v: unknown): unknown {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(v)) return new Date(v).toISOString();
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/** Generic answers/arguments as Java prints them carry PojoUtils' "class" entries; Ferry's JSON does not. */
export function withoutClass(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutClass);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'class')
        .map(([k, x]) => [k, withoutClass(x)]),
    );
  return v;
}

/** Declared parameter types of a captured typed request (generics from the interface where the descriptor has none). */
export function declaredTypes(m: ManifestFrame): string[] {
  if (m.method === 'echoMap') return ['java.util.Map<java.lang.String,java.lang.Long>'];
  return m.desc ? splitDescriptor(m.desc).map(typeFromDescriptor).map(formatJavaType) : [];
}

export interface ReplayResult {
  call: string;
  /** What the provider answered, as JSON ({value} | {exception, message} | {status, error}). */
  got: unknown;
  /** What the Java consumer saw for the same call (from the manifest), in the same shape. */
  expected: unknown;
}

/**
 * Encodes every captured typed request with Ferry's encoder (arguments from the manifest, converted by their
 * declared types) and sends them over one raw TCP connection to a live provider; answers decoded with Ferry's
 * decoder. Values that depend on the provider instance (`whoami`, `attachments`) are compared loosely.
 */
export async function replayTypedRequests(port: number, opts: { token?: string; serializationId?: number } = {}): Promise<ReplayResult[]> {
  const manifest = fixtureManifest();
  if (!manifest) return [];
  const requests = manifest.frames.filter((f) => f.dir === 'c2s' && !f.event && f.kind !== 'generic' && !f.aliasOf);
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  const decoder = new FrameDecoder();
  const waiting = new Map<bigint, (f: DubboFrame) => void>();
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) waiting.get(f.id)?.(f);
  });
  const results: ReplayResult[] = [];
  try {
    let id = 1000n;
    for (const m of requests) {
      const types = declaredTypes(m);
      const attachments: Record<string, string> = {
        path: m.path!,
        interface: m.path!,
        version: m.version!,
        timeout: '5000',
        'x-tenant-id': 't1',
      };
      if (opts.token) attachments.token = opts.token;
      const body = encodeRequestBody({
        dubboVersion: '2.0.2',
        path: m.path!,
        version: m.version!,
        method: m.method!,
        parameterDesc: m.desc!,
        args: (m.args as unknown[]).map((a, i) => toJava(a, types[i], { classes: CLASSES })),
        attachments,
      });
      const frameId = id++;
      const answer = new Promise<DubboFrame>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${m.file}: no answer`)), 10000);
        waiting.set(frameId, (f) => {
          clearTimeout(timer);
          resolve(f);
        });
      });
      socket.write(
        encodeFrame({
          request: true,
          twoWay: true,
          id: frameId,
          body,
          ...(opts.serializationId ? { serializationId: opts.serializationId } : {}),
        }),
      );
      const f = await answer;
      const res = manifest.frames.find((x) => x.dir === 's2c' && x.id === m.id)!;
      let got: unknown;
      if (f.status !== 20) got = { status: f.status, error: decodeErrorBody(f.body).split('\n')[0] };
      else {
        const r = decodeResponseBody(f.body);
        if (r.kind === 'exception') {
          const ex = decodeException(r.exception, (v) => fromJava(v));
          got = { exception: ex.exceptionClass, message: ex.message };
        } else
          got = {
            value: normalize(
              JSON.parse(JSON.stringify(r.kind === 'null' ? null : fromJava(r.value, RETURNS[m.method!], { classes: CLASSES }))),
            ),
          };
      }
      let expected: unknown = res.ok ? { value: normalize(res.value) } : { exception: res.exception, message: res.message };
      // instance-specific answers: the shape, not the value
      if (m.method === 'whoami' && got && typeof got === 'object' && 'value' in got) {
        expected = { value: 'string' };
        got = { value: typeof (got as { value: unknown }).value };
      }
      if (m.method === 'attachments' && got && typeof got === 'object' && 'value' in got) {
        expected = { value: { 'x-tenant-id': 't1' } };
        got = { value: { 'x-tenant-id': ((got as { value: Record<string, unknown> }).value ?? {})['x-tenant-id'] } };
      }
      results.push({ call: m.call ?? m.method!, got, expected });
    }
  } finally {
    socket.destroy();
  }
  return results;
}
