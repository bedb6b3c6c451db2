/**
 * `npm run bench -- startup`: what a Ferry process costs before it serves anything, per config — time from spawn
 * to the first 200 on `/readyz`, CPU time spent by then, idle RSS a settle time later, and the module files it
 * loaded (counted in a separate start with a module hook, which slows loading). Builds (this one and, with
 * `--ferry-base`, another) and configs are interleaved within each repeat; medians are reported.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FERRY_BIN, freePorts, launch } from '../lib/processes.js';
import { SERVICE_CORE } from '../lib/pinning.js';
import { cpuUs, rssMiB } from '../lib/procfs.js';
import { median } from '../lib/report.js';

const BENCH_PROTO = fileURLToPath(new URL('../../../src/servers/bench.proto', import.meta.url));
const COUNT_PRELOAD = new URL('./count-modules.js', import.meta.url).href;

/** Endpoints nobody answers: start-up never calls them (static endpoints are ready at once). */
const HTTP_SERVICE = 'up: { protocol: http, endpoints: ["http://127.0.0.1:9"] }';

/** The configs measured: the HTTP-only one, the same with tracing to Zipkin, and every protocol plus inbound Dubbo. */
export function startupConfigs(): Array<{ name: string; yaml: Yaml }> {
  return [
    { name: 'HTTP only', yaml: () => `services:\n  ${HTTP_SERVICE}\n` },
    {
      name: 'HTTP only, tracing 10% → Zipkin',
      yaml: () =>
        `tracing: { enabled: true, sampleRatio: 0.1, exporter: zipkin, endpoint: "http://127.0.0.1:9/api/v2/spans" }\n` +
        `services:\n  ${HTTP_SERVICE}\n`,
    },
    {
      name: 'every protocol + inbound Dubbo',
      yaml: (inboundPort) => `services:
  ${HTTP_SERVICE}
  orders: { protocol: dubbo, interface: com.example.OrderService, endpoints: ["127.0.0.1:9"] }
  rpc: { protocol: jsonrpc, endpoints: ["http://127.0.0.1:9/rpc"] }
  greeter: { protocol: grpc, endpoints: ["127.0.0.1:9"], proto: ["${BENCH_PROTO}"], service: ferry.bench.Greeter }
  echo: { protocol: triple, interface: com.example.Echo, endpoints: ["127.0.0.1:9"] }
inbound:
  app: { url: "http://127.0.0.1:9" }
  dubbo:
    host: 127.0.0.1
    port: ${inboundPort}
    services: [{ interface: com.example.Ping, methods: { ping: { http: "POST /ping", parameterTypes: [] } } }]
`,
    },
  ];
}

export interface StartupSample {
  config: string;
  build: string;
  startupMs: number;
  cpuMsToReady: number;
  idleRssMiB: number;
}

export interface StartupOptions {
  repeats: number;
  settleMs: number;
  workDir: string;
  /** Another build's main.js, measured interleaved with this one (`--ferry-base`). */
  base?: string;
  /** Only the first config (HTTP only): the smoke run. */
  firstConfigOnly?: boolean;
}

type Yaml = (inboundPort: number) => string;

async function startFerry(bin: string, file: string, yaml: Yaml, env: NodeJS.ProcessEnv = {}, flags: string[] = []) {
  const [port, adminPort, inboundPort] = (await freePorts(3)) as [number, number, number];
  await writeFile(file, yaml(inboundPort));
  const args = [...flags, bin, '--config', file, '--port', String(port), '--admin-port', String(adminPort)];
  return launch(process.execPath, args, {
    cpu: SERVICE_CORE,
    ready: { url: `http://127.0.0.1:${port}/readyz` },
    env,
  });
}

/** The module files one start of `bin` on the config loads (a start of its own, with the counting preload). */
async function countModules(bin: string, file: string, yaml: Yaml): Promise<number> {
  const list = `${file}.modules`;
  const running = await startFerry(bin, file, yaml, { FERRY_BENCH_MODULES_FILE: list }, ['--import', COUNT_PRELOAD]);
  try {
    process.kill(running.pid, 'SIGUSR2');
    for (let i = 0; i < 200 && !existsSync(list); i++) await new Promise((r) => setTimeout(r, 25));
    return (await readFile(list, 'utf8')).split('\n').filter(Boolean).length;
  } finally {
    await running.stop();
    await rm(list, { force: true });
  }
}

export interface StartupReport {
  samples: StartupSample[];
  /** Module files loaded, by `config|build`. */
  modules: Record<string, number>;
  markdown: string;
}

export async function startupBench(options: StartupOptions): Promise<StartupReport> {
  const builds: Array<[string, string]> = [['this build', FERRY_BIN]];
  if (options.base) builds.unshift(['@base', options.base]);
  const configs = options.firstConfigOnly ? startupConfigs().slice(0, 1) : startupConfigs();
  const samples: StartupSample[] = [];
  const modules: Record<string, number> = {};
  for (const config of configs) {
    for (const [build, bin] of builds) {
      modules[`${config.name}|${build}`] = await countModules(bin, join(options.workDir, 'startup-count.yaml'), config.yaml);
    }
  }
  for (let r = 0; r < options.repeats; r++) {
    for (const config of configs) {
      for (const [build, bin] of builds) {
        const running = await startFerry(bin, join(options.workDir, 'startup.yaml'), config.yaml);
        try {
          const cpuMsToReady = cpuUs(running.pids) / 1000;
          await new Promise((resolve) => setTimeout(resolve, options.settleMs));
          const sample = { config: config.name, build, startupMs: running.startupMs, cpuMsToReady, idleRssMiB: rssMiB(running.pids) };
          const { startupMs, idleRssMiB } = sample;
          const line = `ready in ${Math.round(startupMs)} ms, ${cpuMsToReady} ms CPU, idle RSS ${idleRssMiB.toFixed(1)} MiB`;
          console.error(`[bench]   #${r + 1} ${config.name} (${build}): ${line}`);
          samples.push(sample);
        } finally {
          await running.stop();
        }
      }
    }
  }
  const rows = configs.flatMap((config) =>
    builds.map(([build]) => {
      const own = samples.filter((s) => s.config === config.name && s.build === build);
      const ms = own.map((s) => s.startupMs);
      const f = (v: number, digits = 0) => v.toFixed(digits);
      const startup = `${f(median(ms))} (${f(Math.min(...ms))}–${f(Math.max(...ms))})`;
      const cpu = f(median(own.map((s) => s.cpuMsToReady)));
      const rss = f(median(own.map((s) => s.idleRssMiB)), 1);
      return `| ${config.name} | ${build} | ${startup} | ${cpu} | ${rss} | ${modules[`${config.name}|${build}`]} |`;
    }),
  );
  const markdown = [
    `### startup: spawn to the first 200 on /readyz, ${options.repeats} interleaved repeat(s), medians; ` +
      `idle RSS ${options.settleMs} ms after ready`,
    '',
    '| config | build | start-up ms (min–max) | CPU ms to ready | idle RSS MiB | module files loaded |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  return { samples, modules, markdown };
}
