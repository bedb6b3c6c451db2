/** `ferry injector --config FILE`: the webhook, its config and certificate reloads, and a graceful stop. */
import { ConfigError } from '../config/load.js';
import { changedKeys, configReloader, RELOAD_RESULTS } from '../config/reload.js';
import { watchFiles } from '../config/watch.js';
import { createLogger } from '../observability/logger.js';
import { INJECTOR_RESTART_ONLY, loadInjectorConfig, parseInjectorConfig } from './config.js';
import { createInjectorMetrics } from './metrics.js';
import { createInjector } from './server.js';

export async function runInjector(file: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let loaded;
  try {
    loaded = await loadInjectorConfig(file, env);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `ferry injector: ${(err as Error).message}`}\n`);
    return 1;
  }
  const { config } = loaded;
  const logger = createLogger(config.log.level).child({ component: 'injector' });
  const metrics = createInjectorMetrics();
  let injector;
  try {
    injector = await createInjector({ config, logger, metrics });
    await injector.start();
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'injector failed to start');
    return 1;
  }
  const started = injector;

  for (const result of RELOAD_RESULTS) metrics.configReloads.inc({ result }, 0);
  for (const result of ['applied', 'invalid']) metrics.certReloads.inc({ result }, 0);
  const reloader = configReloader({
    file,
    parse: (text) => parseInjectorConfig(text, file, env),
    restartOnly: (a, b) => changedKeys(a, b, INJECTOR_RESTART_ONLY),
    running: config,
    text: loaded.text,
    apply: (next) => {
      started.setConfig(next);
      logger.info({ mode: next.sidecar.mode, image: next.sidecar.image }, 'injector config reloaded');
    },
    logger,
    count: (result) => metrics.configReloads.inc({ result }),
  });
  const watches = [
    watchFiles([file], () => void reloader.reload()),
    watchFiles([config.tls.certFile, config.tls.keyFile], () => void started.reloadCertificate()),
  ];
  process.on('SIGHUP', () => {
    void reloader.reload(true);
    void started.reloadCertificate();
  });

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal, delayMs: config.shutdown.delayMs }, 'injector shutting down');
      for (const w of watches) w.close();
      started.close().then(
        () => {
          logger.info('injector stopped');
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'injector shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
