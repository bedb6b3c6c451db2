import type { Readable, Writable } from 'node:stream';
import { FerryError } from '../errors.js';
import { cancel, isCancellable } from './cancel.js';
import type { Call, Interceptor } from './types.js';

export interface TimeoutOptions {
  /** The service's timeout, for the message (the deadline itself travels on the call). */
  timeoutMs: number;
}

/**
 * Bounds one attempt by the call's deadline: at the deadline the call's own signal is aborted (see
 * `cancel.ts`; a signal made elsewhere gets a controller of its own for the attempt), and the attempt ends
 * with FERRY_ERR_UPSTREAM_TIMEOUT even if the client has not given up yet. Protocol clients read
 * `call.deadline` to tell the upstream its budget (Dubbo's `timeout` attachment, gRPC deadlines).
 */
export function timeoutInterceptor(options: TimeoutOptions): Interceptor {
  const { timeoutMs } = options;
  return (next) =>
    function timeout(call) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0)
        return Promise.reject(new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', `no time left for "${call.service}.${call.method}"`));
      let own: AbortController | undefined;
      let onAbort: (() => void) | undefined;
      let attempt = call;
      if (!isCancellable(call.signal)) {
        // not a signal of ours (a call made outside the server): this attempt gets its own, following the caller's
        const controller = (own = new AbortController());
        onAbort = () => controller.abort(call.signal.reason);
        call.signal.addEventListener('abort', onAbort, { once: true });
        attempt = { ...call, signal: controller.signal };
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = awaitingApp(call)
            ? new FerryError('FERRY_ERR_REQUEST_TIMEOUT', `the request body for "${call.service}" was still arriving after ${timeoutMs} ms`)
            : new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', `"${call.service}.${call.method}" took longer than ${timeoutMs} ms`, {
                upstream: call.endpoint ? { endpoint: call.endpoint.id } : undefined,
              });
          if (own) own.abort(error);
          else cancel(call.signal, error);
          reject(error);
        }, remaining);
        const settle = () => {
          clearTimeout(timer);
          if (onAbort) call.signal.removeEventListener('abort', onAbort);
        };
        next(attempt).then(
          (reply) => {
            settle();
            resolve(reply);
          },
          (err: unknown) => {
            settle();
            reject(err);
          },
        );
      });
    };
}

/**
 * Whether a streamed request body is still waiting for the app: not all of it has come, and the upstream has read
 * everything that did (nothing buffered). Then the app is slow, not the upstream — a stalled upload must not count
 * against the upstream's breaker.
 */
function awaitingApp(call: Call): boolean {
  const body = call.http?.body;
  if (!body || Buffer.isBuffer(body)) return false;
  const stream = body as Readable & Writable;
  return !stream.writableEnded && stream.writableLength === 0 && stream.readableLength === 0;
}
