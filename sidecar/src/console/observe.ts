/**
 * Where the console's figures come from: one interceptor in the observe stage (each call as the app saw it),
 * one in the attempt stage (each attempt, endpoint picked: calls in flight and last error per endpoint), and an
 * observer for inbound calls. A success costs a clock read and a few array writes; only failures allocate.
 */
import { context, trace } from '@opentelemetry/api';
import type { Call, Invoke, Reply } from '../pipeline/types.js';
import type { RouteInterceptor } from '../pipeline/observe.js';
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

/** Observe stage: one record per call, all attempts together. */
export function consoleInterceptor(model: ConsoleModel): RouteInterceptor {
  return ({ service, protocol }) => {
    const record = (call: Call, start: number, failure: Failure | undefined) => {
      try {
        const end = performance.now();
        // the balance stage stamps a failure with the endpoint of its last attempt
        const endpoint = call.endpoint?.id ?? (failure?.upstream as { endpoint?: string } | undefined)?.endpoint;
        const detail = failure ? { ...(endpoint ? { endpoint } : {}), ...withTrace(call) } : undefined;
        model.outbound(service, protocol, methodOf(call), timeOrigin + end, end - start, failure, detail);
      } catch {
        // the console never fails a request
      }
    };
    return (next: Invoke) =>
      function observeForConsole(call) {
        const start = performance.now();
        return next(call).then(
          (reply) => {
            record(call, start, replyFailure(reply));
            return reply;
          },
          (err: unknown) => {
            record(call, start, failureOf(err));
            throw err;
          },
        );
      };
  };
}

/** Attempt stage: calls in flight, figures and last error per endpoint. */
export function consoleAttemptInterceptor(model: ConsoleModel): RouteInterceptor {
  return ({ service, protocol }) => {
    const end = (series: Series, start: number, failure: Failure | undefined) => {
      try {
        const at = performance.now();
        model.attemptEnd(series, timeOrigin + at, at - start, failure);
      } catch {
        // the console never fails a request
      }
    };
    return (send: Invoke) =>
      function attemptForConsole(call) {
        const start = performance.now();
        let series: Series;
        try {
          series = model.attemptStart(service, protocol, call.endpoint!.id, timeOrigin + start);
        } catch {
          return send(call);
        }
        return send(call).then(
          (reply) => {
            end(series, start, replyFailure(reply));
            return reply;
          },
          (err: unknown) => {
            end(series, start, failureOf(err));
            throw err;
          },
        );
      };
  };
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
