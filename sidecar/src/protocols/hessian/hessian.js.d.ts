/** Minimal declarations for hessian.js 2.11 (the parts Ferry uses: the v2 encoder). */
declare module 'hessian.js' {
  /** A value hessian.js can write: plain JS values or `{ $class, $ }` typed wrappers (js-to-java style). */
  export type HessianInput = unknown;

  export class EncoderV2 {
    constructor(options?: { size?: number; mapTypes?: Record<string, boolean> });
    /** Appends one value; class definitions, type names and references are shared until `reset()`. */
    write(value: HessianInput): this;
    /** Writes a Hessian date from epoch milliseconds. */
    writeDate(ms: Date | number): this;
    /** The bytes written since the last reset. */
    get(): Buffer;
    reset(): this;
    /** The growing output buffer (the `byte` package's ByteBuffer). */
    readonly byteBuffer: ByteBuffer;
  }

  /** The `byte` package's ByteBuffer, as far as Ferry writes to it. */
  export interface ByteBuffer {
    capacity(): number;
    position(): number;
    /** The whole backing buffer (`position()` bytes of it written). */
    readonly _bytes: Buffer;
    put(byte: number): ByteBuffer;
    putUInt16(value: number): ByteBuffer;
    putInt(value: number): ByteBuffer;
    putLong(value: string | number): ByteBuffer;
    putRawString(text: string): ByteBuffer;
  }

  export class DecoderV2 {
    constructor(buf: Buffer, classCache?: unknown);
    read(withType?: boolean): unknown;
  }

  export function encode(value: HessianInput, version?: '1.0' | '2.0'): Buffer;
  export function decode(buf: Buffer, version?: '1.0' | '2.0', withType?: boolean): unknown;
}
