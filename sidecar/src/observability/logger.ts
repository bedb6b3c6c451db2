import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { activeSpanIds } from './tracing.js';

export type { Logger };

/** Header values that never reach a log line, wherever they sit in the logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers["ferry-api-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
  'headers["ferry-api-token"]',
  'incomingHeaders["ferry-api-token"]',
  'incomingHeaders.authorization',
  'incomingHeaders.cookie',
  'incomingHeaders["proxy-authorization"]',
  'outgoing.authorization',
  'outgoing.cookie',
  'attachments.authorization',
  'attachments.cookie',
  'metadata.authorization',
  'call.incomingHeaders.authorization',
  'call.incomingHeaders.cookie',
  'call.outgoing.authorization',
  'call.outgoing.cookie',
];

/**
 * Set on a child logger whose bindings already carry the request's trace ids (the local request's logger),
 * so the mixin does not repeat them. Inherited by that logger's own children.
 */
export const traceBoundSym = Symbol.for('ferry.logger.traceBound');

/** Adds `trace_id`/`span_id` of the active span to every line logged inside a traced request. */
export function traceMixin(_merge: object, _level: number, logger?: unknown): object {
  if (logger && (logger as Record<symbol, unknown>)[traceBoundSym]) return {};
  return activeSpanIds() ?? {};
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { name: 'ferry' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceMixin,
  };
  return destination ? pino(options, destination) : pino(options);
}
