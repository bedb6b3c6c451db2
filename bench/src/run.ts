import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { table, type Row } from './lib/report.js';
import type { Scenario } from './scenarios/types.js';
import { httpScenario } from './scenarios/http.js';
import { observabilityScenario } from './scenarios/observability.js';
import { jsonrpcScenario } from './scenarios/jsonrpc.js';
import { grpcScenario } from './scenarios/grpc.js';
import { dubboScenario } from './scenarios/dubbo.js';

/** Every scenario, by name. */
const SCENARIOS: Scenario[] = [httpScenario, observabilityScenario, jsonrpcScenario, grpcScenario, dubboScenario];

const USAGE = `Usage: npm run bench -- [--duration S] [--rate RPS] [--connections N] [scenario ...]
Scenarios: ${SCENARIOS.map((s) => `\n  ${s.name}: ${s.description}`).join('')}`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '10' },
      rate: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '50' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const chosen = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  const workDir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const options = { durationS: Number(values.duration), rate: Number(values.rate), connections: Number(values.connections), workDir };
  const rows: Row[] = [];
  try {
    for (const scenario of chosen) {
      console.error(`running ${scenario.name}: ${scenario.description}`);
      rows.push(...(await scenario.run(options)));
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${options.durationS}s per measurement, ${options.connections} connections\n`);
  console.log(table(rows, options.rate));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
