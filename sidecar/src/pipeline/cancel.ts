/**
 * One cancellation per call: a single AbortController whose signal the call carries through every attempt
 * into the protocol client (undici, grpc-js, the Dubbo connection all listen to it). The server aborts it
 * when the app goes away, the timeout stage at the deadline — no second controller, listener or race per
 * attempt. The controller is found by its signal, so `Call` keeps a plain `AbortSignal`.
 */
const controllers = new WeakMap<AbortSignal, AbortController>();

/** A new call's signal, abortable later through `cancel(signal, reason)`. */
export function cancellableSignal(): AbortSignal {
  const controller = new AbortController();
  controllers.set(controller.signal, controller);
  return controller.signal;
}

/** Whether `cancel` can abort this signal (made by `cancellableSignal`). */
export function isCancellable(signal: AbortSignal): boolean {
  return controllers.has(signal);
}

/** Aborts a signal made by `cancellableSignal` (other signals are left alone). */
export function cancel(signal: AbortSignal, reason: unknown): void {
  controllers.get(signal)?.abort(reason);
}
