import { FerryError } from '../errors.js';
import type { Interceptor } from './types.js';

export interface TimeoutOptions {
  /** The service's timeout, for the message (the deadline itself travels on the call). */
  timeoutMs: number;
}

/**
 * Bounds one attempt by the call's deadline: the attempt gets a signal that aborts at the deadline (or
 * when the caller goes away), and a late answer becomes FERRY_ERR_UPSTREAM_TIMEOUT. Protocol clients read
 * `call.deadline` to tell the upstream its budget (Dubbo's `timeout` attachment, gRPC deadlines).
 */
export function timeoutInterceptor(options: TimeoutOptions): Interceptor {
  const { timeoutMs } = options;
  return (next) =>
    async function timeout(call) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) throw new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', `no time left for "${call.service}.${call.method}"`);
      const controller = new AbortController();
      const onAbort = () => controller.abort(call.signal.reason);
      call.signal.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', `"${call.service}.${call.method}" took longer than ${timeoutMs} ms`, {
            upstream: call.endpoint ? { endpoint: call.endpoint.id } : undefined,
          });
          controller.abort(error);
          reject(error);
        }, remaining);
      });
      try {
        return await Promise.race([next({ ...call, signal: controller.signal }), expired]);
      } finally {
        clearTimeout(timer);
        call.signal.removeEventListener('abort', onAbort);
      }
    };
}
