/**
 * MetadataInfo by revision, fetched once per revision and kept (a revision names fixed content). Fetches are
 * time-boxed and single-flight; a failed one tries the next instance of the same revision, and is remembered
 * for a few seconds so a broken provider is not asked on every change. Callers keep their last good endpoint
 * list while a revision is unknown (Dubbo users report MetadataService calls failing under load:
 * apache/dubbo#11720, #15641).
 */
import type { Logger } from '../../observability/logger.js';
import { revisionOf, storageTypeOf, type AppInstance } from './instance.js';
import type { MetadataInfo } from './metadata-info.js';

/** Asks one instance (or the registry's report) for the MetadataInfo of that instance's revision. */
export type MetadataFetcher = (instance: AppInstance, signal: AbortSignal) => Promise<MetadataInfo>;

export interface RevisionCacheOptions {
  fetch: MetadataFetcher;
  /** Per fetch (default 5 s). */
  timeoutMs?: number;
  /** How long a revision that could not be fetched is not retried (default 5 s). */
  failureTtlMs?: number;
  /** Revisions kept (default 1000, oldest dropped first). */
  max?: number;
  logger?: Logger;
}

export class RevisionCache {
  readonly #known = new Map<string, MetadataInfo>();
  readonly #inFlight = new Map<string, Promise<MetadataInfo | undefined>>();
  readonly #failedUntil = new Map<string, number>();
  readonly #opts: Required<Omit<RevisionCacheOptions, 'logger'>> & { logger?: Logger };

  constructor(opts: RevisionCacheOptions) {
    this.#opts = { timeoutMs: 5000, failureTtlMs: 5000, max: 1000, ...opts };
  }

  /** The MetadataInfo of each revision among `instances` that is known or can be fetched now. */
  async resolve(instances: readonly AppInstance[]): Promise<Map<string, MetadataInfo>> {
    const byRevision = new Map<string, AppInstance[]>();
    for (const i of instances) {
      const r = revisionOf(i);
      if (!r) continue;
      const key = `${i.app}@${r}`;
      let list = byRevision.get(key);
      if (!list) byRevision.set(key, (list = []));
      list.push(i);
    }
    const out = new Map<string, MetadataInfo>();
    await Promise.all(
      [...byRevision].map(async ([key, list]) => {
        const info = await this.#get(key, list);
        if (info) out.set(revisionOf(list[0]!)!, info);
      }),
    );
    return out;
  }

  #get(key: string, candidates: AppInstance[]): Promise<MetadataInfo | undefined> {
    const known = this.#known.get(key);
    if (known) return Promise.resolve(known);
    if ((this.#failedUntil.get(key) ?? 0) > Date.now()) return Promise.resolve(undefined);
    let p = this.#inFlight.get(key);
    if (!p) {
      p = this.#fetch(key, candidates).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, p);
    }
    return p;
  }

  async #fetch(key: string, candidates: AppInstance[]): Promise<MetadataInfo | undefined> {
    let lastErr: unknown;
    // a few instances at most: one answering is enough, all failing usually means the revision is gone
    for (const instance of candidates.slice(0, 3)) {
      try {
        const info = await this.#opts.fetch(instance, AbortSignal.timeout(this.#opts.timeoutMs));
        this.#known.set(key, info);
        if (this.#known.size > this.#opts.max) this.#known.delete(this.#known.keys().next().value!);
        this.#failedUntil.delete(key);
        return info;
      } catch (err) {
        lastErr = err;
      }
    }
    this.#failedUntil.set(key, Date.now() + this.#opts.failureTtlMs);
    this.#opts.logger?.warn(
      { err: (lastErr as Error)?.message, revision: key },
      'could not fetch Dubbo metadata for an application revision',
    );
    return undefined;
  }
}

/** The instance's MetadataService for `storage-type: local` (Dubbo's default), the registry's report for `remote`. */
export function storageAwareFetcher(local: MetadataFetcher, remote?: MetadataFetcher): MetadataFetcher {
  return (instance, signal) => {
    if (storageTypeOf(instance) === 'remote') {
      return remote
        ? remote(instance, signal)
        : Promise.reject(new Error(`${instance.app} keeps its metadata in a report this registry does not have`));
    }
    return local(instance, signal);
  };
}
