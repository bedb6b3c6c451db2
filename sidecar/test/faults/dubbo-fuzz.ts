/**
 * A fuzzer for Ferry's Dubbo decoders: the frame decoder, the request/response body decoders, the bounded
 * Hessian decoder and the JSON conversion after it. Cases are mutations of the frames captured from real
 * Java peers (test/fixtures/dubbo/*.bin): bit flips, truncation, length-field lies, type-tag swaps, huge
 * counts, deep nesting, back-references, random splices. Each case is a pure function of (seed, index), so
 * any failure is replayed with `--seed S --case N`.
 *
 * The one rule checked: the decoders throw their own typed errors (FrameError, HessianError) and nothing
 * else, in bounded time. Not a test file; used by dubbo-fuzz.test.ts (short run) and fuzz-dubbo.ts (long run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, FrameError, HEADER_LENGTH, decodeEvent, type DubboFrame } from '../../src/protocols/dubbo/codec.js';
import { decodeErrorBody, decodeRequestBody, decodeResponseBody } from '../../src/protocols/dubbo/body.js';
import {
  HANDLE,
  HessianDecoder,
  HessianError,
  decodeAll,
  decodeException,
  encodeHessian,
  fromJava,
  splitDescriptor,
  typeFromDescriptor,
} from '../../src/protocols/hessian/index.js';
import { seededRandom } from '../support/seeded-random.js';
import { CLASSES } from '../support/dubbo-fixtures.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/dubbo/', import.meta.url));
/** The limits the inbound server decodes request bodies with. */
const REQUEST_LIMITS = { maxDepth: 256, maxItems: 1_000_000 };
/** No mutated frame grows beyond this (the payload limit is 8 MiB; big enough for 100k-level nesting). */
const MAX_FRAME = 1024 * 1024;

/** The captured frames, one Buffer each, in file-name order. */
export function loadCorpus(dir = FIXTURES_DIR): Buffer[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => readFileSync(dir + f));
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, list: readonly T[]): T => list[int(rng, list.length)]!;
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Codes that start Hessian values, composites and chunks first (the interesting ones). */
const TAGS = [
  0x43, 0x48, 0x4d, 0x4f, 0x51, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x60, 0x6f, 0x70, 0x77, 0x78, 0x7f, 0x41, 0x42, 0x52, 0x53, 0x4e, 0x54,
  0x46, 0x49, 0x4c, 0x44, 0x4a, 0x4b, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x00, 0x1f, 0x20, 0x2f, 0x30, 0x33, 0x34, 0x37, 0x38, 0x3f, 0x40, 0x45,
  0x80, 0x90, 0xbf, 0xc0, 0xc8, 0xcf, 0xd0, 0xd4, 0xd7, 0xd8, 0xe0, 0xef, 0xf0, 0xf8, 0xff,
];
/** Values that lie about sizes: list/map/string/binary/class-def/ref counts far beyond the data. */
const HUGE = [
  '58 49 7fffffff', // untyped list of 2^31-1
  '56 04 5b696e74 49 7fffffff', // typed list "[int" of 2^31-1
  '78 57 57 57', // fixed list opening nested open lists
  '53 ffff', // string chunk of 65535 chars
  '52 ffff 52 ffff 53 ffff', // chunked string
  '41 ffff', // binary chunk of 65535 bytes
  '37 ff', // short binary of 1023
  '33 ff', // short string of 1023
  '43 01 41 49 7fffffff', // class with 2^31-1 fields
  '43 01 41 94 01 61 01 62 01 63 01 64', // class A with 4 fields, data missing
  '4f 49 7fffffff', // instance of class 2^31-1
  '51 49 7fffffff', // ref 2^31-1
  '51 49 80000000', // ref -2^31
  '4c 7fffffffffffffff', // long max
  '4c 8000000000000000', // long min
  '4a 7fffffffffffffff', // date beyond range
  '4b 80000000', // compact date
  '44 7ff8000000000000', // NaN
  '44 7ff0000000000000', // Infinity
  '59 80000000', // int as long
  '5f 80000000', // double as int millis
];
/** Prefixes that open one level of nesting each (some never close, some recurse through type or int positions). */
const NESTERS = ['57', '48', '79', '71 01 41', '70', '55', '56', '4d', '43', '4f', '51', '43 01 41 91 01 61 60', '48 48', '4d 90'];

/** Well-formed values of every kind, to put where another value stood (type confusion rather than garbage). */
const VALUES: Buffer[] = [
  0,
  1,
  -1,
  2147483647,
  -2147483648,
  1.5,
  -0.001,
  '',
  'x',
  'héllo 😀',
  '2.0.2',
  'com.example.ferry.api.TypeMatrixService',
  '$invoke',
  '$echo',
  'Ljava/lang/String;',
  '[Ljava/lang/Object;',
  'x'.repeat(5_000),
  true,
  false,
  null,
  [],
  [1, 'a', null],
  new Map(),
  new Date(0),
  Buffer.from([1, 2, 3]),
  { $class: 'long', $: '9223372036854775807' },
  {
    $class: 'java.util.HashMap',
    $: new Map<string, unknown>([
      ['generic', 'true'],
      ['timeout', '-1'],
      ['a', [1]],
    ]),
  },
  { $class: 'java.util.HashMap', $: new Map<unknown, unknown>([[1, 'x']]) },
  { $class: '[int', $: [1, 2] },
  { $class: '[string', $: ['java.lang.String', 'int'] },
  {
    $class: '[object',
    $: [
      {
        $class: 'java.util.HashMap',
        $: new Map<string, unknown>([
          ['class', 'com.example.ferry.api.User'],
          ['id', 1],
        ]),
      },
    ],
  },
  { $class: 'com.example.ferry.api.User', $: { id: 1, name: 'x', birthday: null } },
  { $class: 'com.example.ferry.api.Color', $: { name: 'NOT_A_COLOR' } },
  { $class: 'java.math.BigDecimal', $: { value: 'not a number' } },
  { $class: 'java.math.BigInteger', $: { signum: 1, mag: { $class: '[int', $: [1] } } },
  { $class: HANDLE.localDate, $: { year: 99999, month: 13, day: 0 } },
  { $class: HANDLE.localTime, $: { hour: 'x', minute: null } },
  { $class: HANDLE.localDateTime, $: { date: 'x', time: 1 } },
  { $class: HANDLE.instant, $: { seconds: { $class: 'long', $: '9223372036854775807' }, nanos: -1 } },
  { $class: 'java.lang.RuntimeException', $: { detailMessage: ['not', 'a', 'string'], cause: null } },
].map((v) => encodeHessian([v as never]));

/** Where each top-level value of a body starts and ends (as far as it decodes). */
function topLevelSpans(body: Buffer): Array<[number, number]> {
  const d = new HessianDecoder(body);
  const spans: Array<[number, number]> = [];
  while (!d.done) {
    const start = d.position;
    try {
      d.read();
    } catch {
      break;
    }
    spans.push([start, d.position]);
  }
  return spans;
}

function bodyOf(frame: Buffer): Buffer {
  return frame.length >= HEADER_LENGTH ? frame.subarray(HEADER_LENGTH) : Buffer.alloc(0);
}

function withBody(frame: Buffer, body: Buffer): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH + body.length);
  frame.copy(out, 0, 0, Math.min(HEADER_LENGTH, frame.length));
  body.copy(out, HEADER_LENGTH);
  out.writeInt32BE(body.length, 12);
  return out;
}

function insert(body: Buffer, at: number, bytes: Buffer): Buffer {
  return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
}

type Mutator = (body: Buffer, rng: Rng, corpus: readonly Buffer[]) => Buffer;

/** Body mutators; the header's length field is fixed up afterwards (except by `length-lie`). */
const MUTATORS: Record<string, Mutator> = {
  'bit-flip': (body, rng) => {
    const out = Buffer.from(body);
    for (let i = 1 + int(rng, 8); i > 0 && out.length; i--) out[int(rng, out.length)]! ^= 1 << int(rng, 8);
    return out;
  },
  'byte-set': (body, rng) => {
    const out = Buffer.from(body);
    for (let i = 1 + int(rng, 4); i > 0 && out.length; i--)
      out[int(rng, out.length)] = pick(rng, [0x00, 0xff, 0x7f, 0x80, 0x01, int(rng, 256)]);
    return out;
  },
  'tag-swap': (body, rng) => {
    const out = Buffer.from(body);
    for (let i = 1 + int(rng, 3); i > 0 && out.length; i--) out[int(rng, out.length)] = pick(rng, TAGS);
    return out;
  },
  truncate: (body, rng) => body.subarray(0, int(rng, body.length + 1)),
  'huge-count': (body, rng) => insert(body, int(rng, body.length + 1), hex(pick(rng, HUGE))),
  'deep-nesting': (body, rng) => {
    const levels = pick(rng, [50, 130, 300, 1_000, 10_000, 100_000]);
    const nester = hex(pick(rng, NESTERS));
    const parts = [Buffer.alloc(nester.length * levels)];
    for (let i = 0; i < levels; i++) nester.copy(parts[0]!, i * nester.length);
    if (rng() < 0.5) parts.push(Buffer.alloc(int(rng, levels + 1), 0x5a)); // some closings
    return insert(body, int(rng, body.length + 1), Buffer.concat(parts));
  },
  refs: (body, rng) => {
    // back-references to whatever came before, including the list being read (cycles)
    const out: Buffer[] = [];
    for (let i = 1 + int(rng, 6); i > 0; i--) out.push(Buffer.from([0x51, 0x90 + int(rng, 16)]));
    return insert(body, int(rng, body.length + 1), Buffer.concat(out));
  },
  'laughs': (body, rng) => {
    // list_k = [list_{k-1}, ref(list_{k-1})]: 2^levels leaves from a few bytes
    const levels = 10 + int(rng, 40);
    const parts: number[] = [];
    for (let i = 0; i < levels; i++) parts.push(0x7a);
    parts.push(0x7a, 0x90, 0x90);
    for (let i = levels - 1; i >= 0; i--) parts.push(0x51, ...(i + 1 < 48 ? [0x90 + i + 1] : [0xc8, i + 1]));
    return insert(body, int(rng, body.length + 1), Buffer.from(parts));
  },
  'value-swap': (body, rng, corpus) => {
    const spans = topLevelSpans(body);
    if (spans.length === 0) return body;
    const [start, end] = pick(rng, spans);
    let value = pick(rng, VALUES);
    if (rng() < 0.3) {
      const donor = bodyOf(pick(rng, corpus));
      const other = topLevelSpans(donor);
      if (other.length) value = donor.subarray(...pick(rng, other));
    }
    return Buffer.concat([body.subarray(0, start), value, body.subarray(end)]);
  },
  splice: (body, rng, corpus) => {
    const donor = bodyOf(pick(rng, corpus));
    const from = int(rng, donor.length + 1);
    const slice = donor.subarray(from, from + 1 + int(rng, 64));
    const at = int(rng, body.length + 1);
    if (rng() < 0.5) return insert(body, at, slice);
    const out = Buffer.from(body);
    slice.copy(out, at);
    return out;
  },
  'insert-random': (body, rng) =>
    insert(body, int(rng, body.length + 1), Buffer.from(Array.from({ length: 1 + int(rng, 16) }, () => int(rng, 256)))),
  delete: (body, rng) => {
    const at = int(rng, body.length + 1);
    return Buffer.concat([body.subarray(0, at), body.subarray(at + 1 + int(rng, 32))]);
  },
  duplicate: (body, rng) => {
    const at = int(rng, body.length + 1);
    const slice = body.subarray(at, at + 1 + int(rng, 32));
    return insert(body, at, Buffer.concat(Array.from({ length: 1 + int(rng, 8) }, () => slice)));
  },
};
const MUTATOR_NAMES = Object.keys(MUTATORS);

export interface FuzzCase {
  index: number;
  /** What was done, in order (e.g. `tag-swap+truncate`). */
  mutation: string;
  /** The bytes to feed, possibly several frames or a broken header. */
  bytes: Buffer;
  /** Chunk boundaries to feed the bytes in (a stream cut anywhere). */
  cuts: number[];
}

/** Case `index` of run `seed`: a captured frame, 1–3 body mutations, sometimes a header mutation. */
export function fuzzCase(corpus: readonly Buffer[], seed: number, index: number): FuzzCase {
  const rng = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const base = pick(rng, corpus);
  const names: string[] = [];
  let body = bodyOf(base);
  for (let i = 1 + int(rng, 3); i > 0; i--) {
    const name = pick(rng, MUTATOR_NAMES);
    names.push(name);
    body = MUTATORS[name]!(body, rng, corpus);
    if (body.length > MAX_FRAME) body = body.subarray(0, MAX_FRAME);
  }
  let bytes = withBody(base, body);
  const roll = rng();
  if (roll < 0.1) {
    names.push('header');
    const at = pick(rng, [2, 2, 2, 3, 4, 11]);
    bytes[at] = at === 2 ? bytes[at]! ^ (1 << int(rng, 8)) : int(rng, 256);
  } else if (roll < 0.2) {
    names.push('length-lie');
    const lies = [
      0,
      1,
      body.length - 1,
      body.length + 1,
      body.length * 2,
      0x7fffffff,
      -1,
      -0x80000000,
      8 * 1024 * 1024,
      8 * 1024 * 1024 + 1,
      int(rng, 1 << 20),
    ];
    bytes.writeInt32BE(Math.max(-0x80000000, pick(rng, lies)), 12);
  } else if (roll < 0.25) {
    names.push('truncate-frame');
    bytes = bytes.subarray(0, int(rng, bytes.length));
  } else if (roll < 0.3) {
    names.push('two-frames');
    bytes = Buffer.concat([bytes, pick(rng, corpus)]);
  }
  const cuts = Array.from({ length: int(rng, 4) }, () => int(rng, bytes.length + 1)).sort((a, b) => a - b);
  return { index, mutation: names.join('+'), bytes, cuts };
}

/** A throw that is not one of the decoders' own errors: the bug this fuzzer looks for. */
export class UnexpectedError extends Error {
  constructor(
    readonly stage: string,
    readonly error: unknown,
  ) {
    super(`${stage} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    this.name = 'UnexpectedError';
  }
}

export interface DecodeOutcome {
  frames: number;
  /** Frames or bodies refused with the decoders' own errors. */
  refused: number;
  decoded: number;
}

function expect<T>(stage: string, types: readonly (new (...args: never[]) => Error)[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (types.some((t) => err instanceof t)) return undefined;
    throw new UnexpectedError(stage, err);
  }
}

/** Declared parameter types of a request, when its descriptor parses. */
function declaredTypes(desc: string) {
  try {
    return desc === '' ? [] : splitDescriptor(desc).map(typeFromDescriptor);
  } catch {
    return [];
  }
}

/** Runs one frame's body through what the provider and the consumer sides do with it. */
function decodeFrame(frame: DubboFrame, outcome: DecodeOutcome): void {
  outcome.frames++;
  const ok = (v: unknown) => (v === undefined ? outcome.refused++ : outcome.decoded++);
  if (frame.rejected) return void outcome.refused++;
  if (frame.event) return void ok(expect('decodeEvent', [FrameError], () => decodeEvent(frame)));
  if (frame.request) {
    ok(
      expect('request body', [HessianError], () => {
        const req = decodeRequestBody(frame.body, REQUEST_LIMITS);
        const types = declaredTypes(req.parameterDesc);
        for (const [i, arg] of req.args.entries()) fromJava(arg, types[i], { classes: CLASSES });
        return req;
      }),
    );
  } else if (frame.status === 20) {
    ok(
      expect('response body', [HessianError], () => {
        const res = decodeResponseBody(frame.body);
        if (res.kind === 'exception') return decodeException(res.exception, (v) => fromJava(v));
        return res.kind === 'value' ? (fromJava(res.value, undefined, { generic: true }) ?? null) : null;
      }),
    );
  } else ok(expect('error body', [], () => decodeErrorBody(frame.body)));
  expect('decodeAll', [HessianError], () => decodeAll(frame.body, { maxItems: 100_000 }));
}

/** Feeds one case to a fresh frame decoder (in its chunks) and decodes every frame that comes out. */
export function decodeCase(c: FuzzCase): DecodeOutcome {
  const outcome: DecodeOutcome = { frames: 0, refused: 0, decoded: 0 };
  const decoder = new FrameDecoder();
  const frames: DubboFrame[] = [];
  let from = 0;
  for (const to of [...c.cuts, c.bytes.length]) {
    const chunk = c.bytes.subarray(from, to);
    from = to;
    let got: DubboFrame[];
    try {
      got = decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameError)) throw new UnexpectedError('FrameDecoder.push', err);
      outcome.refused++;
      frames.push(...err.complete); // what the owner still handles before closing
      break;
    }
    frames.push(...got);
  }
  for (const frame of frames) decodeFrame(frame, outcome);
  return outcome;
}

/**
 * The answers a Dubbo provider owes for these bytes (ids of two-way requests), or that it must close the
 * connection because the framing breaks: what Ferry's inbound server is held to.
 */
export function expectedAnswers(bytes: Buffer): { ids: bigint[]; closes: boolean } {
  let frames: DubboFrame[];
  try {
    frames = new FrameDecoder().push(bytes);
  } catch {
    // answers to frames before the broken one depend on how TCP cut the stream: only the close is owed
    return { ids: [], closes: true };
  }
  const ids: bigint[] = [];
  for (const f of frames) {
    if (!f.request || !f.twoWay) continue;
    if (f.rejected) {
      if (!f.event || f.body.length <= 15) ids.push(f.id);
      continue;
    }
    if (f.event) {
      try {
        if (decodeEvent(f).kind === 'heartbeat') ids.push(f.id);
      } catch {
        ids.push(f.id); // answered with status 40
      }
      continue;
    }
    ids.push(f.id);
  }
  return { ids, closes: false };
}

/** Answers that betray a non-typed failure inside the provider (status 90 is only the catch-all's). */
export function suspiciousAnswer(status: number, message: string): string | undefined {
  if (status === 90) return `status 90 (unexpected failure): ${message.split('\n')[0]}`;
  if (/Maximum call stack|is not a function|Cannot read propert|is not iterable|Invalid array length|out of memory/i.test(message))
    return `status ${status}: ${message.split('\n')[0]}`;
  return undefined;
}
