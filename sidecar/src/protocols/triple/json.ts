/**
 * Bodies of Triple's HTTP/JSON mode (Dubbo 3.3: `POST /{interface}/{method}`, `application/json`).
 *
 * Request: tried against Dubbo 3.3.6, a method with ONE parameter takes the whole body as that argument — an
 * array is not unwrapped (`[123456789012]` reached `echoLong(long)` as the int-truncated -1097262572 and
 * `typeOf(Object)` as a JSONArray). Several parameters take a JSON array. So one argument goes bare, any other
 * count as an array; no parameter types are needed for that.
 *
 * Answer: JSON numbers JavaScript cannot hold exactly (a long beyond 2^53, a BigDecimal's digits or scale)
 * become strings holding the provider's exact text, as everywhere else in Ferry.
 */

export function requestBody(args: readonly unknown[]): string {
  return JSON.stringify(args.length === 1 ? args[0] : args);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * True when `Number(text)` does not give back this literal's value exactly
 * (integers beyond 2^53, too many digits, trailing-zero scale).
 */
function lossy(text: string): boolean {
  if (/[eE]/.test(text)) return false; // floating point written by a double: JavaScript reads it as well as Java wrote it
  const n = Number(text);
  if (!text.includes('.')) return !Number.isSafeInteger(n);
  return String(n) !== text.replace(/^(-?)0+(?=\d)/, '$1');
}

/** Parses an answer, quoting the number literals that JSON.parse would round. Throws SyntaxError on bad JSON. */
export function parseAnswer(text: string): unknown {
  let out: string | undefined;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) continue;
      const literal = m[0];
      if (lossy(literal)) {
        out = (out ?? '') + text.slice(last, i) + `"${literal}"`;
        last = i + literal.length;
      }
      i += literal.length - 1;
    }
  }
  return JSON.parse(out === undefined ? text : out + text.slice(last));
}
