/**
 * One cancellation per call: the call carries one signal through every attempt into the protocol client
 * (undici, the gRPC and Dubbo clients listen to it). The server aborts it when the app goes away, the timeout
 * stage at the deadline — no second controller, listener or race per attempt.
 *
 * The signal is not an AbortController's: Node's EventTarget-based controller cost ~8 µs and a few hundred
 * bytes per call on the request path. This one has what those clients use of an AbortSignal (`aborted`,
 * `reason`, `throwIfAborted`, `add/removeEventListener('abort')`) and nothing else: it is never handed to
 * `AbortSignal.any` or to an API that checks the class.
 */
type AbortListener =
  ((event: { type: 'abort'; target: unknown }) => void) | { handleEvent(event: { type: 'abort'; target: unknown }): void };

class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: { type: 'abort'; target: unknown }) => void) | null = null;
  #listeners: AbortListener[] | undefined;

  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || !listeners) return;
    const i = listeners.indexOf(listener!);
    if (i >= 0) listeners.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    const event = { type: 'abort' as const, target: this };
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    if (this.onabort) listeners.unshift(this.onabort);
    for (const listener of listeners) {
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
}

/** A new call's signal, abortable later through `cancel(signal, reason)`. */
export function cancellableSignal(): AbortSignal {
  return new CallSignal() as unknown as AbortSignal;
}

/** Whether `cancel` can abort this signal (made by `cancellableSignal`). */
export function isCancellable(signal: AbortSignal): boolean {
  return (signal as unknown) instanceof CallSignal;
}

/** Aborts a signal made by `cancellableSignal` (other signals are left alone). */
export function cancel(signal: AbortSignal, reason: unknown): void {
  if ((signal as unknown) instanceof CallSignal) (signal as unknown as CallSignal).abort(reason);
}
