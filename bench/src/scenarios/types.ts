import type { LoadResult, Request } from '../lib/load.js';
import type { Running } from '../lib/processes.js';
import type { Tools } from '../lib/tools.js';

export interface BenchOptions {
  /** Seconds per measurement (the open-loop run and the closed-loop run each). */
  durationS: number;
  warmupS: number;
  /** Pause between start-up and the idle RSS reading. */
  settleMs: number;
  /** Open-loop rate, requests per second. */
  rate: number;
  /** Closed-loop connections. */
  connections: number;
  repeats: number;
  /** Only targets whose name contains one of these (all when empty). */
  targets: string[];
  /** Ferry targets are profiled during their closed-loop run, the profiles and their summaries written here. */
  profileDir?: string;
  /** Scratch folder for configs and load-generator files. */
  workDir: string;
  tools: Tools;
}

/** A target under load. `request` is what the standard generators send; `open`/`closed` replace them. */
export interface Target {
  name: string;
  start(): Promise<Running & { url: string; profiled?: boolean }>;
  request?(url: string): Request;
  open?(url: string, options: BenchOptions): Promise<LoadResult>;
  closed?(url: string, options: BenchOptions): Promise<LoadResult>;
  /** The target is a process of its own worth start-up, memory, CPU and GC figures (not a Java client). */
  measured?: boolean;
  /** A Ferry target: the same target run from another build of Ferry (`--ferry-base`). */
  withFerryBin?(bin: string, label: string): Target;
}

export interface ScenarioSetup {
  targets: Target[];
  /** The target whose throughput the ratios divide by (default: the first). */
  throughputBaseline?: string;
  /** The target whose latency "added" subtracts (default: the first). */
  latencyBaseline?: string;
  /** Stops the scenario's upstreams. */
  stop(): Promise<void>;
  /** A line for the report (counts checked after the run, such as spans received). */
  afterword?(): Promise<string | undefined>;
}

export interface Scenario {
  name: string;
  description: string;
  setup(options: BenchOptions): Promise<ScenarioSetup>;
}
