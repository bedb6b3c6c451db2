/**
 * Where the console's figures come from: a watcher of the observe level (each call as the app saw it), one of
 * the attempt level (each attempt, endpoint picked: calls in flight and last error per endpoint), both sharing the
 * metrics' stage (pipeline/watch.ts), and an observer for inbound calls. A success costs a few array writes; only
 * failures allocate.
 */
import { context, trace } from '@opentelemetry/api';
import type { Call, Reply } from '../pipeline/types.js';
import type { Watcher } from '../pipeline/watch.js';
import { toFerryError } from '../errors.js';
import type { InboundObserver } from '../pipeline/observe.js';
import { OTHER, type ConsoleModel, type Failure, type Series } from './model.js';

/** Longer method names (from the app's URL) are not worth a series of their own. */
const MAX_METHOD_LENGTH = 128;

function methodOf(call: Call): string {
  return call.method.length > MAX_METHOD_LENGTH ? OTHER : call.method;
}

/** A pass-through answer of 500 and above is a failed call; 4xx are the upstream's answers to the app's request. */
function replyFailure(reply: Reply): Failure | undefined {
  return reply.kind === 'http' && reply.statusCode >= 500
    ? { code: `HTTP_${reply.statusCode}`, message: `upstream answered ${reply.statusCode}` }
    : undefined;
}

function failureOf(err: unknown): Failure {
  const e = toFerryError(err);
  return { code: e.code, message: e.message, ...(e.upstream ? { upstream: e.upstream } : {}) };
}

/** `{traceId}` of the call's trace context, when there is a real one. */
function withTrace(call: Call): { traceId?: string } {
  const id = trace.getSpanContext(call.trace ?? context.active())?.traceId;
  return id && !/^0+$/.test(id) ? { traceId: id } : {};
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // the console never fails a request
  }
}

/** Wall-clock ms from the monotonic clock the durations use: one clock read per record. */
const { timeOrigin } = performance;

function outcome(reply: Reply | undefined, err: unknown): Failure | undefined {
  return reply ? replyFailure(reply) : failureOf(err);
}

/** Observe level: one record per call, all attempts together. */
export function consoleWatcher(model: ConsoleModel): Watcher {
  return ({ service, protocol }) => ({
    end(call, _state, start, now, reply, err) {
      const failure = outcome(reply, err);
      // the balance stage stamps a failure with the endpoint of its last attempt
      const endpoint = call.endpoint?.id ?? (failure?.upstream as { endpoint?: string } | undefined)?.endpoint;
      const detail = failure ? { ...(endpoint ? { endpoint } : {}), ...withTrace(call) } : undefined;
      model.outbound(service, protocol, methodOf(call), timeOrigin + now, now - start, failure, detail);
    },
  });
}

/** Attempt level: calls in flight, figures and last error per endpoint. */
export function consoleAttemptWatcher(model: ConsoleModel): Watcher {
  return ({ service, protocol }) => ({
    start: (call, now) => model.attemptStart(service, protocol, call.endpoint!.id, timeOrigin + now),
    end(_call, series, start, now, reply, err) {
      model.attemptEnd(series as Series, timeOrigin + now, now - start, outcome(reply, err));
    },
  });
}

export function consoleInboundObserver(model: ConsoleModel): InboundObserver {
  return (info) =>
    guard(() =>
      model.inboundCall(
        info.caller,
        info.service,
        info.protocol,
        info.method.length > MAX_METHOD_LENGTH ? OTHER : info.method,
        Date.now(),
        info.ms,
        info.error === undefined ? undefined : failureOf(info.error),
        info.traceId,
      ),
    );
}
