import type { Row } from '../lib/report.js';

export interface ScenarioOptions {
  /** Seconds per measurement. */
  durationS: number;
  /** Fixed rate for the latency measurement. */
  rate: number;
  connections: number;
  /** Scratch folder for configs. */
  workDir: string;
}

export interface Scenario {
  name: string;
  description: string;
  run(options: ScenarioOptions): Promise<Row[]>;
}
