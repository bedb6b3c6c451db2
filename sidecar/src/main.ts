#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseCli, USAGE, version, type CliArgs } from './cli.js';
import { ConfigError, loadConfig, type LoadOptions } from './config/load.js';
import { configReloader, ferryReloadOptions, RELOAD_RESULTS } from './config/reload.js';
import { watchFiles } from './config/watch.js';
import { metrics } from './observability/metrics.js';
import { createSidecar, type Sidecar } from './sidecar.js';

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv, process.env);
  } catch (err) {
    process.stderr.write(`ferry: ${(err as Error).message}\n`);
    return 2;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (args.command === 'check') {
    try {
      await loadConfig({ file: args.configFile!, env: process.env, overrides: args.overrides });
      process.stdout.write(`${args.configFile}: ok\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
  }
  if (args.command === 'injector') {
    const { runInjector } = await import('./injector/main.js');
    return runInjector(args.configFile!);
  }
  return run(args);
}

async function run(args: CliArgs): Promise<number> {
  // the demo's upstream and config are imported only for `--demo`
  const demo = args.demo && !args.configFile ? await (await import('./demo/upstream.js')).startDemoUpstream() : undefined;
  const loadOptions: LoadOptions = {
    env: process.env,
    overrides: args.overrides,
    ...(args.configFile ? { file: args.configFile } : demo ? { text: (await import('./demo/config.js')).demoConfigYaml(demo.url) } : {}),
  };
  let loaded;
  let text = '';
  try {
    if (args.configFile) text = await readFile(args.configFile, 'utf8');
    loaded = await loadConfig(args.configFile ? { ...loadOptions, text } : loadOptions);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `ferry: ${(err as Error).message}`}\n`);
    demo?.server.close();
    return 1;
  }
  const apiToken = process.env.FERRY_API_TOKEN;
  let sidecar: Sidecar;
  try {
    sidecar = await createSidecar({ config: loaded.config, ...(apiToken ? { apiToken } : {}) });
  } catch (err) {
    // what the config names but cannot be used (a .proto without the service, a broken one): its message, no stack
    process.stderr.write(`ferry: cannot start: ${(err as Error).message}\n`);
    demo?.server.close();
    return 1;
  }
  const { logger } = sidecar;
  if (demo) logger.info({ url: demo.url }, 'demo upstream started (embedded demo config)');
  try {
    await sidecar.start();
  } catch (err) {
    process.stderr.write(`ferry: cannot start: ${(err as Error).message}\n`);
    await sidecar.close().catch(() => {});
    demo?.server.close();
    return 1;
  }

  if (args.configFile) {
    for (const result of RELOAD_RESULTS) metrics.configReloads.inc({ result }, 0);
    const reloader = configReloader({
      ...ferryReloadOptions({ ...loadOptions, file: args.configFile }),
      running: loaded.config,
      text,
      apply: (next) => sidecar.reload(next),
      logger,
      count: (result) => {
        metrics.configReloads.inc({ result });
        if (result !== 'applied')
          sidecar.console?.reloadRefused(
            result === 'invalid'
              ? 'the file is not a valid config (see the log)'
              : 'it changes keys that apply only at start (see the log)',
          );
      },
    });
    process.on('SIGHUP', () => void reloader.reload(true));
    watchFiles([args.configFile], () => void reloader.reload());
  } else {
    process.on('SIGHUP', () => logger.warn('SIGHUP ignored: no config file to reload'));
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      sidecar
        .close()
        .then(() => {
          demo?.server.close();
          logger.info('stopped');
          resolve(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let pino flush; then leave even if a stray handle (a watcher, a timer) is still open.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`ferry: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
