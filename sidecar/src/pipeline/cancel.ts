/**
 * One cancellation per call: the call carries one signal through every attempt into the protocol client
 * (undici, the gRPC and Dubbo clients listen to it). The server aborts it when the app goes away, the timeout
 * stage at the deadline — no second controller, listener or race per attempt.
 *
 * The signal implements the `AbortSignal` interface (the compiler checks it) but is not Node's class: Node's
 * EventTarget-based controller cost ~8 µs and a few hundred bytes per call on the request path. So it is never
 * handed to an API that checks the class (`AbortSignal.any`, `events.addAbortListener`, `fetch`); undici and
 * Ferry's clients only use the interface.
 */
type Listener = Parameters<AbortSignal['addEventListener']>[1];

class CallSignal implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;
  #listeners: Listener[] | undefined;

  addEventListener(type: string, listener: Listener | null): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || !listeners || !listener) return;
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  dispatchEvent(event: Event): boolean {
    if (event.type !== 'abort') return true;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    if (this.onabort) this.#run(this.onabort as Listener, event);
    for (const listener of listeners) this.#run(listener, event);
    return true;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    this.dispatchEvent(new Event('abort'));
  }

  #run(listener: Listener, event: Event): void {
    try {
      if (typeof listener === 'function') listener.call(this, event);
      else listener.handleEvent(event);
    } catch (err) {
      // as EventTarget does: a throwing listener neither stops the others nor the abort
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/** A new call's signal, abortable later through `cancel(signal, reason)`. */
export function cancellableSignal(): AbortSignal {
  return new CallSignal();
}

/** Whether `cancel` can abort this signal (made by `cancellableSignal`). */
export function isCancellable(signal: AbortSignal): boolean {
  return signal instanceof CallSignal;
}

/** Aborts a signal made by `cancellableSignal` (other signals are left alone). */
export function cancel(signal: AbortSignal, reason: unknown): void {
  if (signal instanceof CallSignal) signal.abort(reason);
}
