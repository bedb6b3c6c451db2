import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Line = [obj: unknown, msg?: string, ...args: unknown[]];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Hands the arguments on as they came (pino tells `info(msg)` from `info(obj, msg)` by their count and types). */
function write(log: FastifyBaseLogger, level: Level, line: Line): void {
  (log[level] as (...args: unknown[]) => void).apply(log, line);
}

/**
 * fastify gives every request a child logger bound to its id; a pino child per request cost a few µs and half
 * a KiB on the hot path, and a successful call logs nothing by default. This stands in for it and makes the
 * child on the first line logged.
 */
class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #log(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#log.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#log.child(bindings, options);
  }

  fatal(...line: Line): void {
    write(this.#log, 'fatal', line);
  }

  error(...line: Line): void {
    write(this.#log, 'error', line);
  }

  warn(...line: Line): void {
    write(this.#log, 'warn', line);
  }

  info(...line: Line): void {
    write(this.#log, 'info', line);
  }

  debug(...line: Line): void {
    write(this.#log, 'debug', line);
  }

  trace(...line: Line): void {
    write(this.#log, 'trace', line);
  }

  silent(): void {}
}

/** fastify's `childLoggerFactory`: the request's logger, made when first used. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}
