/**
 * Stages that only watch calls (the metrics, the console's figures) share one observe stage per level, with one
 * clock read at each end and one `then`. Each of them as a stage of its own cost a promise, two closures and two
 * clock reads per call: the console's two stages alone were 4–6% of the hop's max (bench/RESULTS.md, 2026-12-04 2b).
 * A watcher never changes a call or its outcome, and a watcher that throws is dropped for that call.
 */
import { callNext } from './compose.js';
import type { Call, Interceptor, Invoke, Reply, RouteInfo } from './types.js';

/** One route's watch of its calls (or attempts). */
export interface RouteWatch {
  /** The call starts at `now` (ms, `performance.now()`); what it returns is handed back to `end`. */
  start?(call: Call, now: number): unknown;
  /** The call ended: with `reply`, or failed with `err`. */
  end(call: Call, state: unknown, start: number, now: number, reply: Reply | undefined, err: unknown): void;
}

export type Watcher = (route: RouteInfo) => RouteWatch;

type States = unknown[] | undefined;

function startAll(watches: readonly RouteWatch[], call: Call, now: number): States {
  let states: States;
  for (let i = 0; i < watches.length; i++) {
    const watch = watches[i]!;
    if (!watch.start) continue;
    try {
      (states ??= new Array<unknown>(watches.length))[i] = watch.start(call, now);
    } catch {
      // observability never fails a request
    }
  }
  return states;
}

function endAll(watches: readonly RouteWatch[], states: States, call: Call, start: number, reply?: Reply, err?: unknown): void {
  const now = performance.now();
  for (let i = 0; i < watches.length; i++) {
    try {
      watches[i]!.end(call, states?.[i], start, now, reply, err);
    } catch {
      // observability never fails a request
    }
  }
}

/** The one stage of `watchers`, for a route's observe or attempt level. */
export function watchStage(watchers: readonly Watcher[]): (route: RouteInfo) => Interceptor {
  return (route) => {
    const watches = watchers.map((watcher) => watcher(route));
    return (next: Invoke) =>
      function watch(call) {
        const start = performance.now();
        const states = startAll(watches, call, start);
        return callNext(next, call).then(
          (reply) => {
            endAll(watches, states, call, start, reply);
            return reply;
          },
          (err: unknown) => {
            endAll(watches, states, call, start, undefined, err);
            throw err;
          },
        );
      };
  };
}
