/**
 * The app's health as registrations follow it (Eureka status, ZooKeeper provider nodes), with hysteresis: a
 * verdict changes only after `failureThreshold` failures or `successThreshold` passes in a row, so one slow
 * probe does not flap the registration.
 *
 * Two sources:
 * - `healthUrl`: probed every `intervalMs`. A pass is a 2xx answer whose JSON body, if it has a `status`
 *   (Spring Boot's `/actuator/health`, Spring Cloud Sidecar's `health-uri`), says `UP`. Probes alone decide.
 * - no `healthUrl`: the app's base URL is probed every `intervalMs` (any HTTP answer passes: the app is there),
 *   and calls Ferry forwards to the app count too, through `report()`: calls that could not reach the app
 *   (refused, reset) are failures, answers (any status) passes. Slow calls are neither: a busy app is not gone.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from '../observability/logger.js';

export interface AppHealthOptions {
  /** Probed with GET; absent: follow inbound calls (see above). */
  healthUrl?: string;
  /** The app's base URL, probed for any answer while inbound calls made it unhealthy. */
  appUrl: string;
  /** Probe interval (default 5000). */
  intervalMs?: number;
  /** Probe timeout (default 2000). */
  timeoutMs?: number;
  /** Failures in a row before unhealthy (default 3; the very first verdict is the first probe's). */
  failureThreshold?: number;
  /** Passes in a row before healthy again (default 2; the very first verdict needs one pass). */
  successThreshold?: number;
  logger?: Logger;
}

export type HealthListener = (healthy: boolean) => void;

export class AppHealth {
  readonly #opts: AppHealthOptions;
  readonly #listeners = new Set<HealthListener>();
  readonly #agent: Dispatcher = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  /** Undefined until the first verdict (with a health URL: the first probe). */
  #healthy: boolean | undefined;
  #failures = 0;
  #passes = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #resolveFirst!: (healthy: boolean) => void;
  readonly #first = new Promise<boolean>((r) => (this.#resolveFirst = r));

  constructor(opts: AppHealthOptions) {
    this.#opts = opts;
    if (!opts.healthUrl) this.#set(true);
    this.#schedule(0);
  }

  /** The first verdict (with a health URL: after the first probe; without one: at once, healthy). */
  verdict(): Promise<boolean> {
    return this.#first;
  }

  /** Undefined while no probe has answered yet. */
  get healthy(): boolean | undefined {
    return this.#healthy;
  }

  /** Called on every verdict change (and once at once with the current verdict, if there is one). */
  subscribe(listener: HealthListener): () => void {
    this.#listeners.add(listener);
    if (this.#healthy !== undefined) listener(this.#healthy);
    return () => this.#listeners.delete(listener);
  }

  /** An inbound call's outcome: `reached` false when the app could not be reached (refused, reset, timed out). */
  report(reached: boolean): void {
    if (this.#opts.healthUrl || this.#closed) return;
    this.#observe(reached);
  }

  /** Probes now (tests; the timer probes on its own). */
  async probe(): Promise<boolean> {
    const url = this.#opts.healthUrl ?? this.#opts.appUrl;
    let ok = false;
    try {
      const res = await request(url, { method: 'GET', dispatcher: this.#agent, signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 2000) });
      const body = await res.body.text();
      ok = this.#opts.healthUrl ? res.statusCode >= 200 && res.statusCode < 300 && saysUp(body) : true;
    } catch {
      ok = false;
    }
    if (!this.#closed) this.#observe(ok);
    return ok;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#listeners.clear();
    this.#resolveFirst(this.#healthy ?? false);
    await this.#agent.close();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(async () => {
      await this.probe();
      this.#schedule(this.#opts.intervalMs ?? 5000);
    }, ms);
    this.#timer.unref();
  }

  #observe(ok: boolean): void {
    if (ok) {
      this.#failures = 0;
      this.#passes++;
      const needed = this.#healthy === undefined ? 1 : (this.#opts.successThreshold ?? 2);
      if (this.#healthy !== true && this.#passes >= needed) this.#set(true);
    } else {
      this.#passes = 0;
      this.#failures++;
      const needed = this.#healthy === undefined ? 1 : (this.#opts.failureThreshold ?? 3);
      if (this.#healthy !== false && this.#failures >= needed) this.#set(false);
    }
  }

  #set(healthy: boolean): void {
    const first = this.#healthy === undefined;
    this.#healthy = healthy;
    this.#resolveFirst(healthy);
    if (!(first && healthy)) {
      this.#opts.logger?.[healthy ? 'info' : 'warn'](
        { healthUrl: this.#opts.healthUrl, appUrl: this.#opts.appUrl },
        healthy ? 'app healthy: registrations up' : 'app unhealthy: registrations down',
      );
    }
    for (const l of this.#listeners) {
      try {
        l(healthy);
      } catch (err) {
        this.#opts.logger?.error({ err }, 'health listener failed');
      }
    }
  }
}

/** A body without a JSON `status` passes; one with it must say UP (Spring's health JSON). */
function saysUp(body: string): boolean {
  const text = body.trim();
  if (!text.startsWith('{')) return true;
  try {
    const status = (JSON.parse(text) as { status?: unknown }).status;
    return status === undefined || (typeof status === 'string' && status.toUpperCase() === 'UP');
  } catch {
    return true;
  }
}
