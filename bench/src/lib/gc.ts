/**
 * A Node target's garbage collections, read from V8's `--trace-gc-nvp` lines on its stdout (one line per GC
 * with name=value pairs: `gc=s` scavenge, `gc=mc` full mark-compact, `pause=` ms, `allocated=` and
 * `promoted=` bytes). Counters only grow; `since()` gives the GCs of one measurement window.
 */
import type { Readable } from 'node:stream';

export interface GcCounters {
  scavenges: number;
  /** Full (mark-compact) collections: the stalls behind a sidecar's p99. */
  fullGcs: number;
  pauseMs: number;
  maxPauseMs: number;
  allocatedBytes: number;
  promotedBytes: number;
}

const ZERO: GcCounters = { scavenges: 0, fullGcs: 0, pauseMs: 0, maxPauseMs: 0, allocatedBytes: 0, promotedBytes: 0 };

export class GcLog {
  readonly #totals: GcCounters = { ...ZERO };
  #pending = '';
  #windowMax = 0;

  constructor(stdout: Readable) {
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      const lines = (this.#pending + chunk).split('\n');
      this.#pending = lines.pop() ?? '';
      for (const line of lines) this.#parse(line);
    });
  }

  #parse(line: string): void {
    const kind = / gc=(\w+)/.exec(line)?.[1];
    if (!kind) return;
    const num = (name: string) => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    const pause = num('pause');
    if (kind === 's' || kind === 'mmc') this.#totals.scavenges++;
    else this.#totals.fullGcs++;
    this.#totals.pauseMs += pause;
    this.#windowMax = Math.max(this.#windowMax, pause);
    this.#totals.allocatedBytes += num('allocated');
    this.#totals.promotedBytes += num('promoted');
  }

  /** Starts a window: the next `since()` reports the GCs after this point (and their longest pause). */
  mark(): GcCounters {
    this.#windowMax = 0;
    return { ...this.#totals };
  }

  since(mark: GcCounters): GcCounters {
    const t = this.#totals;
    return {
      scavenges: t.scavenges - mark.scavenges,
      fullGcs: t.fullGcs - mark.fullGcs,
      pauseMs: t.pauseMs - mark.pauseMs,
      maxPauseMs: this.#windowMax,
      allocatedBytes: t.allocatedBytes - mark.allocatedBytes,
      promotedBytes: t.promotedBytes - mark.promotedBytes,
    };
  }
}

/** Two windows' GCs together (the longest pause of either). */
export function addGc(a: GcCounters | undefined, b: GcCounters): GcCounters {
  const t = a ?? ZERO;
  return {
    scavenges: t.scavenges + b.scavenges,
    fullGcs: t.fullGcs + b.fullGcs,
    pauseMs: t.pauseMs + b.pauseMs,
    maxPauseMs: Math.max(t.maxPauseMs, b.maxPauseMs),
    allocatedBytes: t.allocatedBytes + b.allocatedBytes,
    promotedBytes: t.promotedBytes + b.promotedBytes,
  };
}
