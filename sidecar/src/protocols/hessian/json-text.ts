/**
 * JSON with the source text of its numbers, for the Java types whose value is the text: a `BigDecimal` sent as
 * `19.90` must reach Java with its scale, and `12345678901234567890.1234567890` with every digit, but JSON.parse
 * turns both into doubles (19.9, 12345678901234567000). Node 20 has no JSON.parse source-text access.
 *
 * `parseJson` gives the same values JSON.parse gives. For each number whose text JavaScript would not print back
 * (`19.90`, `1e3`, more than 15 significant digits) it keeps the text beside the value, keyed by the array or
 * object holding it (a WeakMap, invisible to every other reader of the value); `jsonNumberText` reads it back.
 * Most bodies hold no such number: a scan that skips strings finds that out and JSON.parse does the work;
 * the others are parsed by lossless-json (a well-kept parser that hands out number texts).
 */
import { parse as losslessParse } from 'lossless-json';

/** Number texts by holder (array or object) and key (index or property name). */
const TEXTS = new WeakMap<object, Map<string | number, string>>();
/** Argument lists built around a bare JSON number (the whole body): its text is gone, see `argumentOf`. */
const TEXT_LOST = new WeakSet<object>();

/** Arrays and objects nested deeper than the limit given to `parseJson`. */
export class JsonDepthError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = 'JsonDepthError';
  }
}

/**
 * JSON.parse's result, with the text of every number JS would not print back kept for `jsonNumberText`.
 * Throws JsonDepthError for arrays and objects nested deeper than `maxDepth` (JSON.parse itself takes any depth,
 * but every recursive reader after it — JSON.stringify, the Hessian and protobuf encoders — would overflow the stack).
 */
export function parseJson(text: string, maxDepth = Infinity): unknown {
  if (!scan(text, maxDepth)) return JSON.parse(text);
  const value = losslessParse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
  return record(value);
}

/**
 * The JSON text of the number at `holder[key]` when it differs from what JavaScript prints for the value;
 * `null` when the text is known to be lost (a bare number body wrapped by `argumentOf`); undefined otherwise
 * (then `String(value)` is the text).
 */
export function jsonNumberText(holder: unknown, key: string | number): string | null | undefined {
  if (holder === null || typeof holder !== 'object') return undefined;
  if (TEXT_LOST.has(holder)) return null;
  const texts = TEXTS.get(holder);
  return texts?.get(Array.isArray(holder) ? Number(key) : String(key));
}

/** `[value]`, remembering that a number in it lost its JSON text (the whole body was that number). */
export function argumentOf(value: unknown): unknown[] {
  const list = [value];
  if (typeof value === 'number') TEXT_LOST.add(list);
  return list;
}

/** A number whose text JavaScript would not print back, until `record` puts the value in its place. */
class NumberText {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

function parseNumber(text: string): number | NumberText {
  const value = Number(text);
  return String(value) === text ? value : new NumberText(text, value);
}

function record(value: unknown): unknown {
  if (value instanceof NumberText) return value.value;
  if (value === null || typeof value !== 'object') return value;
  const stack: object[] = [value];
  while (stack.length) {
    const holder = stack.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(holder) ? holder.map((v, i) => [i, v]) : Object.entries(holder);
    for (const [key, v] of entries) {
      if (v instanceof NumberText) {
        // (an own "__proto__" key, as JSON.parse makes it, must not hit the prototype setter)
        if (key === '__proto__')
          Object.defineProperty(holder, key, { value: v.value, writable: true, enumerable: true, configurable: true });
        else (holder as Record<string | number, unknown>)[key] = v.value;
        let texts = TEXTS.get(holder);
        if (!texts) TEXTS.set(holder, (texts = new Map()));
        texts.set(key, v.text);
      } else if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return value;
}

/**
 * True when the text holds a number token (outside strings) that JavaScript would not print back; throws
 * JsonDepthError past `maxDepth` levels of brackets. Cheap: string contents are skipped with indexOf, and only
 * tokens with a fraction, an exponent or 16+ characters are checked.
 */
function scan(text: string, maxDepth: number): boolean {
  const n = text.length;
  let i = 0;
  let depth = 0;
  let inexact = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new JsonDepthError(maxDepth);
      i++;
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      depth--;
      i++;
      continue;
    }
    if (c === 0x22) {
      // a string: find its closing quote (one not preceded by an odd number of backslashes)
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return inexact; // not JSON: the parser says so
        let bs = 0;
        while (text.charCodeAt(q - 1 - bs) === 0x5c) bs++;
        if (bs % 2 === 0) {
          i = q + 1;
          break;
        }
        j = q + 1;
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      let plain = true;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) plain = false;
        else break;
      }
      if (!inexact && (!plain || j - i > 15)) {
        const token = text.slice(i, j);
        if (String(Number(token)) !== token) inexact = true;
      }
      i = j;
      continue;
    }
    i++;
  }
  return inexact;
}
