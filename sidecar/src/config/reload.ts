import { readFile } from 'node:fs/promises';
import type { Logger } from '../observability/logger.js';
import { ConfigError, loadConfig, type LoadOptions } from './load.js';
import type { FerryConfig } from './schema.js';

/**
 * Sections read once at start: the ports and their limits, logging, observability, the drain, and what Ferry
 * publishes as a provider. A reload that changes one of them is refused (naming the keys) rather than half
 * applied; a restart applies it. Everything else (services, registries, defaults, propagation) reloads live.
 */
export const RESTART_ONLY = [
  'application',
  'advertiseHost',
  'listen',
  'admin',
  'log',
  'limits',
  'shutdown',
  'tracing',
  'metrics',
  'inbound',
] as const;

/** The leaf paths under RESTART_ONLY whose values differ (`listen.port`, `inbound.dubbo.services`), sorted. */
export function restartOnlyChanges(running: FerryConfig, next: FerryConfig): string[] {
  return changedKeys(running, next, RESTART_ONLY);
}

/** The leaf paths under `sections` whose values differ between two configs, sorted. */
export function changedKeys<C extends object>(running: C, next: C, sections: readonly (keyof C & string)[]): string[] {
  const changed: string[] = [];
  const diff = (a: unknown, b: unknown, path: string) => {
    if (isMap(a) && isMap(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[key], b[key], `${path}.${key}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) changed.push(path);
  };
  for (const key of sections) diff(running[key], next[key], key);
  return changed.sort();
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export type ReloadResult = 'applied' | 'invalid' | 'restart_required';
export const RELOAD_RESULTS: readonly ReloadResult[] = ['applied', 'invalid', 'restart_required'];

export interface ReloaderOptions<C> {
  /** The file re-read on each reload. */
  file: string;
  /** Text → validated config; throws ConfigError. */
  parse(text: string): C | Promise<C>;
  /** The restart-only keys that differ (a non-empty answer refuses the reload). */
  restartOnly(running: C, next: C): string[];
  running: C;
  /** The text the running config was loaded from; a watch event that leaves it unchanged is no reload. */
  text: string;
  apply(next: C): Promise<void> | void;
  logger: Logger;
  count(result: ReloadResult): void;
}

/** Ferry's own config file: `load` as at start, with the file's new text. */
export function ferryReloadOptions(
  load: LoadOptions & { file: string },
): Pick<ReloaderOptions<FerryConfig>, 'file' | 'parse' | 'restartOnly'> {
  return { file: load.file, parse: async (text) => (await loadConfig({ ...load, text })).config, restartOnly: restartOnlyChanges };
}

/**
 * Re-reads the config file and swaps it in. One reload at a time; a change seen during one runs after it.
 * `force` (SIGHUP) reloads even when the text is unchanged.
 */
export function configReloader<C>(options: ReloaderOptions<C>) {
  let running = options.running;
  let seen = options.text;
  let busy: Promise<void> | undefined;
  let again: boolean | undefined;
  const { logger, file } = options;

  async function once(force: boolean): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      logger.error({ file, err: (err as Error).message }, 'config reload refused: cannot read the file; keeping the running config');
      options.count('invalid');
      return;
    }
    if (!force && text === seen) return;
    seen = text;
    let next: C;
    try {
      next = await options.parse(text);
    } catch (err) {
      logger.error(
        { file, err: err instanceof ConfigError ? err.message : String(err) },
        'config reload refused: invalid config; keeping the running config',
      );
      options.count('invalid');
      return;
    }
    const keys = options.restartOnly(running, next);
    if (keys.length > 0) {
      logger.error({ file, keys }, 'config reload refused: these keys apply only at start; keeping the running config (restart to apply)');
      options.count('restart_required');
      return;
    }
    await options.apply(next);
    running = next;
    options.count('applied');
  }

  return {
    /** Resolves when this reload (and any queued behind it) is done; never rejects. */
    reload(force = false): Promise<void> {
      if (busy) {
        again = (again ?? false) || force;
        return busy;
      }
      busy = (async () => {
        let f: boolean | undefined = force;
        while (f !== undefined) {
          again = undefined;
          try {
            await once(f);
          } catch (err) {
            logger.error({ err }, 'config reload failed; keeping the running config');
            options.count('invalid');
          }
          f = again;
        }
        busy = undefined;
      })();
      return busy;
    },
  };
}
