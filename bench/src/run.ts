/**
 * `npm run bench -- [options] [scenario ...]`: every scenario's targets measured in interleaved repeats
 * (A B C, A B C, …), the load generator pinned to one core and the targets with their upstreams to another;
 * medians and same-repeat ratios printed as Markdown (and all samples as JSON with --json). With `--alternate ROUNDS`
 * the targets are live together and visited in short windows instead (lib/alternate.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alternate } from './lib/alternate.js';
import { alternateMarkdown, summarizeAlternate, type AlternateResult } from './lib/alternate-report.js';
import { logRuns, sample, type Sample } from './lib/measure.js';
import { LOAD_CORE, SERVICE_CORE } from './lib/pinning.js';
import { markdown, type ScenarioResult } from './lib/report.js';
import { ensureTools } from './lib/tools.js';
import type { BenchOptions, Scenario, ScenarioSetup, Target } from './scenarios/types.js';
import { hopScenario } from './scenarios/hop.js';
import { invokeScenario } from './scenarios/invoke.js';
import { jsonrpcBatchScenario, jsonrpcScenario } from './scenarios/jsonrpc.js';
import { grpcScenario } from './scenarios/grpc.js';
import { dubboEchoString, dubboEchoUser } from './scenarios/dubbo.js';
import { consoleScenario } from './scenarios/console.js';
import { startupBench, type StartupReport } from './startup/startup.js';
import { discoveryScenario } from './scenarios/discovery.js';
import { eurekaScenario } from './scenarios/eureka.js';

const SCENARIOS: Scenario[] = [
  hopScenario,
  invokeScenario,
  jsonrpcScenario,
  jsonrpcBatchScenario,
  grpcScenario,
  dubboEchoString,
  dubboEchoUser,
  discoveryScenario,
  consoleScenario,
  eurekaScenario,
];

const USAGE = `Usage: npm run bench -- [options] [scenario ...]
  --repeats N       interleaved repeats per target, medians reported (3)
  --duration S      seconds of each open-loop and closed-loop run (10)
  --warmup S        closed-loop warm-up before measuring (2)
  --rate R          open-loop rate, requests/s (1000)
  --connections N   closed-loop connections (50)
  --target TEXT     only targets whose name contains TEXT (repeatable; baselines are always kept)
  --baseline TEXT   ratios (max req/s, CPU, p99) against the target whose name contains TEXT instead of the
                    scenario's own baseline (nginx for hop): \`--baseline bare\` compares with the bare Node proxy
  --ferry-base FILE also run every Ferry target from this other build's main.js (labelled "@base"),
                    interleaved with the current one: before/after in the same run
  --alternate ROUNDS
                    all targets of a scenario live at once, each warmed up, then ROUNDS rounds visiting them
                    A B C, C B A, …: per visit an open-loop and a closed-loop window, ratios within each round
                    (steadier than --repeats on a VM whose speed drifts within seconds)
  --window S        seconds of each --alternate window, whole (2; 1 with --smoke)
  --profile DIR     profile Ferry's closed-loop runs (CPU, allocations with garbage): files and summaries in DIR
  --json FILE       also write every sample as JSON
  --idle-ms MS      startup: read idle RSS this long after ready (2000; V8 gives back the heap that start-up
                    grew only when it sees the process idle, ~15-50 s after start here)
  --smoke           a few seconds per scenario, to check the bench works (figures mean nothing)
Scenarios:${SCENARIOS.map((s) => `\n  ${s.name}: ${s.description}`).join('')}
  startup: start-up to /readyz, CPU time by then, idle RSS and module files loaded, per config (HTTP only,
           HTTP with tracing, every protocol), no load`;

function machine(): string {
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return `commit ${commit}, Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
}

/** The scenario's targets that `--target` keeps (the baselines always), each Ferry one also from `--ferry-base`'s build. */
function selected(setup: ScenarioSetup, options: BenchOptions, ferryBase: string | undefined, baseline: string | undefined) {
  const chosenBaseline = baseline === undefined ? undefined : setup.targets.find((t) => t.name.includes(baseline))?.name;
  if (baseline !== undefined && !chosenBaseline) throw new Error(`--baseline "${baseline}": no such target in this scenario`);
  const throughputBaseline = chosenBaseline ?? setup.throughputBaseline ?? setup.targets[0]!.name;
  const latencyBaseline = setup.latencyBaseline ?? setup.targets[0]!.name;
  const base = ferryBase && resolve(ferryBase);
  const targets: Target[] = setup.targets
    .flatMap((t) => (base && t.withFerryBin ? [t.withFerryBin(base, '@base'), t] : [t]))
    .filter(
      (t) =>
        !options.targets.length ||
        t.name === throughputBaseline ||
        t.name === latencyBaseline ||
        options.targets.some((f) => t.name.includes(f)),
    );
  return { throughputBaseline, latencyBaseline, targets };
}

/** `options.repeats` repeats of every target, one after the other (A B C, A B C, …): samples[repeat][target]. */
async function interleaved(targets: Target[], options: BenchOptions): Promise<Sample[][]> {
  const samples: Sample[][] = [];
  for (let r = 0; r < options.repeats; r++) {
    const repeat: Sample[] = [];
    for (const target of targets) {
      const s = await sample(target, options);
      logRuns(`#${r + 1}`, target.name, s.open, s.closed, options.rate);
      repeat.push(s);
    }
    samples.push(repeat);
  }
  return samples;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      repeats: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rate: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '50' },
      target: { type: 'string', multiple: true, default: [] },
      profile: { type: 'string' },
      'ferry-base': { type: 'string' },
      baseline: { type: 'string' },
      alternate: { type: 'string' },
      window: { type: 'string', default: '2' },
      json: { type: 'string' },
      'idle-ms': { type: 'string', default: '2000' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const unknown = positionals.filter((p) => p !== 'startup' && !SCENARIOS.some((s) => s.name === p));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  const chosen = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  const startup = !positionals.length || positionals.includes('startup');
  const rounds = values.alternate === undefined ? 0 : Number(values.alternate);
  const windowS = values.smoke ? 1 : Number(values.window);
  if (values.alternate !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
    throw new Error(`--alternate wants a number of rounds\n${USAGE}`);
  }
  // wrk reads whole seconds only.
  if (!(Number.isInteger(windowS) && windowS > 0)) throw new Error(`--window wants whole seconds\n${USAGE}`);
  if (rounds && values.profile) throw new Error('--profile and --alternate do not combine (a profile covers one closed-loop run)');

  // The runner itself (which also drives the gRPC loop's child) stays off the targets' core.
  execFileSync('taskset', ['-pc', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  const workDir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const smoke = values.smoke;
  const options: BenchOptions = {
    repeats: smoke ? 1 : Number(values.repeats),
    durationS: smoke ? 1 : Number(values.duration),
    warmupS: smoke ? 0 : Number(values.warmup),
    settleMs: smoke ? 100 : 1000,
    rate: smoke ? 200 : Number(values.rate),
    connections: smoke ? 10 : Number(values.connections),
    targets: values.target,
    ...(profileDir ? { profileDir } : {}),
    workDir,
    tools: ensureTools(),
  };
  const started = `${new Date().toISOString()}, ${machine()}`;
  const results: ScenarioResult[] = [];
  const alternated: AlternateResult[] = [];
  let startupReport: StartupReport | undefined;
  try {
    for (const scenario of chosen) {
      console.error(`[bench] ${scenario.name}: ${scenario.description}`);
      const setup = await scenario.setup(options);
      try {
        const { throughputBaseline, latencyBaseline, targets } = selected(setup, options, values['ferry-base'], values.baseline);
        const measured = rounds ? await alternate(targets, options, rounds, windowS) : { samples: await interleaved(targets, options) };
        const afterword = await setup.afterword?.();
        const head = { scenario: scenario.name, description: scenario.description, throughputBaseline, latencyBaseline };
        const tail = afterword ? { afterword } : {};
        if ('samples' in measured) results.push({ ...head, ...measured, ...tail });
        else alternated.push({ ...head, ...measured, ...tail });
      } finally {
        await setup.stop();
      }
    }
    if (startup) {
      console.error('[bench] startup: start-up, idle RSS and module files per config');
      const base = values['ferry-base'] && resolve(values['ferry-base']);
      startupReport = await startupBench({
        repeats: options.repeats,
        settleMs: smoke ? 100 : Number(values['idle-ms']),
        workDir,
        firstConfigOnly: smoke,
        ...(base ? { base } : {}),
      });
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const pinning = `load generator on cpu ${LOAD_CORE}, targets and upstreams on cpu ${SERVICE_CORE}`;
  console.log(`Started ${started}; ended with load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
  if (rounds) {
    console.log(
      `${rounds} alternating round(s), every target of a scenario live; ${options.warmupS}s warm-up each, then per visit ` +
        `${windowS}s open loop at ${options.rate} req/s (vegeta) and ${windowS}s closed loop with ${options.connections} ` +
        `connections (wrk -t1); ${pinning}.\n`,
    );
  } else {
    console.log(
      `${options.repeats} interleaved repeat(s); each: ${options.warmupS}s warm-up, ${options.durationS}s open loop at ` +
        `${options.rate} req/s (vegeta), ` +
        `${options.durationS}s closed loop with ${options.connections} connections (wrk -t1); ${pinning}.\n`,
    );
  }
  for (const result of results) console.log(`${markdown(result, options.rate, options.durationS)}\n`);
  for (const result of alternated) console.log(`${alternateMarkdown(result, options.rate, windowS)}\n`);
  if (startupReport) console.log(`${startupReport.markdown}\n`);
  const startupJson = startupReport ? { startup: { samples: startupReport.samples, modules: startupReport.modules } } : {};
  if (values.json) {
    const optionsJson = { ...options, tools: undefined, workDir: undefined };
    const alternateJson = rounds
      ? { alternate: alternated.map((r) => ({ ...r, summary: summarizeAlternate(r) })), windowS, rounds }
      : {};
    await writeFile(values.json, JSON.stringify({ started, options: optionsJson, results, ...alternateJson, ...startupJson }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
