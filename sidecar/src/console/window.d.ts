/**
 * A sliding window of call figures in plain numbers: one slot per second, reused in a ring, so recording is a
 * few array writes and memory is fixed per series. Counts cover the last `SERIES_SECONDS` (the sparkline);
 * latency percentiles come from a log-scale histogram over the last `LATENCY_SECONDS`.
 */
/** Seconds of call counts kept (the rate series). */
export declare const SERIES_SECONDS = 60;
/** Seconds the latency histograms and the live figures (rate, error %, p50/p99) cover. */
export declare const LATENCY_SECONDS = 10;
export interface WindowSummary {
    /** Calls per second over the live window. */
    rps: number;
    /** Failed share of the calls in the live window, 0..1 (0 without calls). */
    errorRate: number;
    p50Ms: number | null;
    p99Ms: number | null;
    /** Calls and failures in the live window. */
    calls: number;
    errors: number;
    /** Calls per second, one per second, oldest first (`SERIES_SECONDS` values). */
    series: number[];
}
/** The figures of a series without calls. */
export declare function emptySummary(): WindowSummary;
export declare class CallWindow {
    #private;
    /** Seconds (epoch) of the last recorded call; 0 = never. */
    last: number;
    record(nowMs: number, ms: number, failed: boolean): void;
    /** Whether any call was recorded in the last `seconds`. */
    activeWithin(nowMs: number, seconds: number): boolean;
    /**
     * The figures as of `nowMs`. The live window is the `LATENCY_SECONDS` complete seconds before the current
     * one, plus the current one: rates divide by the seconds covered so a fresh burst is not diluted.
     */
    summary(nowMs: number): WindowSummary;
}
