/**
 * The console of one sidecar: the model the observers feed, the live feed, the registry watch (renewed on
 * reload) and the views the API serves.
 */
import type { LocalInject } from '../server/app.js';
import type { FerryConfig } from '../config/schema.js';
import type { Runtime } from '../runtime.js';
import { buildGraph, type Graph } from './graph.js';
import { ConsoleModel, type ModelLimits } from './model.js';
import { consoleAttemptWatcher, consoleInboundObserver, consoleWatcher } from './observe.js';
import type { Watcher } from '../pipeline/watch.js';
import type { InboundObserver } from '../pipeline/observe.js';
import { LiveFeed } from './live.js';
import { RegistryWatch } from './registries.js';
import { servicesView, topologyOf } from './topology.js';
import { configView } from './config-view.js';
import type { ConfigView, ErrorsView, ReloadResult, RegistryView, ServicesView } from './views.js';

/** Idle entries are swept at most this often (when the API is used). */
const SWEEP_EVERY_MS = 30_000;

export interface ConsoleOptions {
  /** The start-up config (tracing and admin settings are not reloaded). */
  config: FerryConfig;
  runtime: () => Runtime;
  /** The app's API, for test calls (in-process, through the same routes and chain). */
  inject: LocalInject;
  /** `FERRY_API_TOKEN`, when the local API asks for it: the test calls carry it (they take the app's own route). */
  apiToken?: string;
  limits?: Partial<ModelLimits>;
}

export class ConsoleState {
  readonly model: ConsoleModel;
  readonly live: LiveFeed;
  readonly startedAt = Date.now();
  readonly runtime: () => Runtime;
  readonly inject: LocalInject;
  readonly apiToken: string | undefined;
  /** The watchers of calls and attempts (they join the metrics' stages) and the inbound observer. */
  readonly hooks: { watch: Watcher; watchAttempt: Watcher; inbound: InboundObserver };
  readonly #config: FerryConfig;
  #registries: RegistryWatch | undefined;
  #lastReload: ReloadResult | undefined;
  #sweptAt = 0;

  constructor(options: ConsoleOptions) {
    this.#config = options.config;
    this.runtime = options.runtime;
    this.inject = options.inject;
    this.apiToken = options.apiToken;
    this.model = new ConsoleModel(options.limits);
    this.live = new LiveFeed(() => this.graph());
    this.hooks = {
      watch: consoleWatcher(this.model),
      watchAttempt: consoleAttemptWatcher(this.model),
      inbound: consoleInboundObserver(this.model),
    };
  }

  /** Starts following the registries of the current routes (call once they are built). */
  watch(): void {
    this.#registries?.close();
    this.#registries = new RegistryWatch(this.runtime());
  }

  graph(now = Date.now()): Graph {
    const runtime = this.runtime();
    if (now - this.#sweptAt > SWEEP_EVERY_MS) {
      this.#sweptAt = now;
      this.model.sweep(now, (name) => Object.prototype.hasOwnProperty.call(runtime.config.services, name));
    }
    return buildGraph(this.model, topologyOf(runtime), now);
  }

  services(now = Date.now()): ServicesView {
    return servicesView(this.runtime(), this.model, now);
  }

  registries(): RegistryView[] {
    this.#registries ??= new RegistryWatch(this.runtime());
    return this.#registries.view();
  }

  errors(): ErrorsView {
    const { tracing } = this.#config;
    const zipkin =
      tracing.enabled && tracing.exporter === 'zipkin' && tracing.endpoint
        ? `${new URL(tracing.endpoint).origin}/zipkin/traces/`
        : undefined;
    return { errors: this.model.recentErrors(), ...(zipkin ? { zipkin } : {}) };
  }

  configView(): ConfigView {
    return configView(this.runtime().config, this.startedAt, this.#lastReload);
  }

  /** A reload swapped the routes in. */
  reloaded(): void {
    this.watch();
    this.#lastReload = { at: Date.now(), ok: true, message: `applied: ${Object.keys(this.runtime().config.services).length} services` };
  }

  /** A reload was refused (bad file); the running config stays. */
  reloadRefused(message: string): void {
    this.#lastReload = { at: Date.now(), ok: false, message };
  }

  close(): void {
    this.live.close();
    this.#registries?.close();
  }
}
