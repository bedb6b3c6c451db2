import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { inboundRegistries, type FerryConfig } from './config/schema.js';
import { createLogger, type Logger } from './observability/logger.js';
import { buildApp, type LocalInject } from './server/app.js';
import { buildAdminApp } from './server/admin.js';
import { isLoopbackHost } from './server/loopback-guard.js';
import type { Readiness } from './server/health.js';
import { buildRuntime, type Runtime, type RuntimeHooks } from './runtime.js';
import { metrics as processMetrics, type FerryMetrics } from './observability/metrics.js';
import { createTracing, type Tracing, type TracingOptions } from './observability/tracing.js';
import {
  inboundMetricsInterceptor,
  inboundObserverInterceptor,
  inboundTracingInterceptor,
  metricsAttemptWatcher,
  metricsWatcher,
  retryCounter,
  resilienceCounter,
  tracingAttemptInterceptor,
  tracingInterceptor,
} from './pipeline/observe.js';
import { watchStage, type Watcher } from './pipeline/watch.js';
import type { Interceptor, RouteInfo } from './pipeline/types.js';
import { createInboundChain } from './routing/inbound.js';
import { metricsRoute } from './server/metrics.js';
import { adminAuth } from './console/auth.js';
import { watchDiscovery } from './discovery/metrics.js';
import { createRegistry, loadRegistries } from './discovery/index.js';
import { advertisedHost } from './discovery/address.js';
import { inboundProtocols, ProtocolLoader, protocolsUsedBy } from './protocols/index.js';
import type { AppHealth } from './discovery/app-health.js';
import { followingHealth } from './discovery/health-following.js';
import { appHealthUrl, registerApplication, type AppRegistrations } from './discovery/app-registration.js';
import type { Registry } from './discovery/types.js';
import type { ProtocolEntry, ProtocolServer } from './protocols/types.js';
import { createConsole, type ConsoleState } from './console/index.js';

export interface SidecarOptions {
  config: FerryConfig;
  logger?: Logger;
  hooks?: RuntimeHooks;
  /** Replaces the configured span exporter (tests). */
  tracing?: TracingOptions;
  /** Defaults to the process-wide registry. */
  metrics?: FerryMetrics;
  /** The local API token (`FERRY_API_TOKEN`). */
  apiToken?: string;
  /** The build's protocols (default: `protocols/index.ts`); only those the config uses are loaded. */
  protocols?: readonly ProtocolEntry[];
}

export interface Sidecar {
  readonly app: FastifyInstance;
  readonly admin?: FastifyInstance;
  readonly logger: Logger;
  readonly state: Readiness;
  readonly tracing: Tracing;
  /** The admin console (`admin.console`), when on. */
  readonly console?: ConsoleState;
  /** Ferry serving a protocol in front of the app (`inbound.<protocol>`), by protocol name. */
  readonly servers: ReadonlyMap<string, ProtocolServer>;
  runtime(): Runtime;
  /** Listens on the configured ports (0 = any); resolves with the bound ports. Readiness follows discovery. */
  start(): Promise<{ port: number; adminPort?: number; dubboPort?: number }>;
  /** Swaps in a new config's routes; the old ones are closed once their calls finished. */
  reload(config: FerryConfig): Promise<void>;
  /** Stops accepting, answers in-flight requests (bounded by `shutdown.drainTimeoutMs`), closes upstreams. */
  close(): Promise<void>;
}

export async function createSidecar(options: SidecarOptions): Promise<Sidecar> {
  const logger = options.logger ?? createLogger(options.config.log.level);
  const state: Readiness = { ready: false, shuttingDown: false };
  const config = options.config;
  // Observability is set up once, from the start-up config (a reload keeps it). Off, tracing still reads callers'
  // context for inbound servers (the call's trace, the console's trace ids).
  const inbound = inboundProtocols(config, options.protocols);
  const tracing = await createTracing(config.tracing, { extract: inbound.length > 0, ...options.tracing });
  const metrics = options.metrics ?? processMetrics;
  if (config.metrics.enabled) {
    metrics.enableDefaultMetrics();
    metrics.trackHttpConnections();
  }
  // the console's observers see every call; its pages and API live on the admin port
  const apiToken = options.apiToken ? { apiToken: options.apiToken } : {};
  const consoleOptions = { config, logger, runtime: () => current, inject: ((request) => inject(request)) as LocalInject, ...apiToken };
  const adminConsole = config.admin.enabled && config.admin.console.enabled ? createConsole(consoleOptions) : undefined;
  const hooks = observeHooks(config, tracing, metrics, options.hooks, adminConsole?.state.hooks);
  const runtimeConfig = (next: FerryConfig): FerryConfig => ({ ...next, tracing: config.tracing, metrics: config.metrics });
  // Only the protocols the config uses are loaded (a reload or an ad-hoc call loads more); every plug-in's local
  // routes are mounted all the same, see protocols/index.ts.
  const loader = new ProtocolLoader(options.protocols);
  const protocols = await loader.load(protocolsUsedBy(config, options.protocols));
  await loadRegistries(config);
  let current = buildRuntime(config, logger, protocols, hooks);
  const watch = (runtime: Runtime) => {
    if (!config.metrics.enabled) return () => {};
    const used = [
      ...Object.values(runtime.config.services).flatMap((s) => (s.registry ? [s.registry] : [])),
      ...inboundRegistryNames(runtime.config),
    ];
    return watchDiscovery(runtime.router.discovery, runtime.router.routes(), used, metrics, logger);
  };
  let unwatch = watch(current);
  adminConsole?.state.watch();

  // Routes read the current runtime on each request, so a reload swaps services without a restart.
  const { app, inject } = buildApp({
    config,
    logger,
    runtime: () => current,
    state,
    protocols: loader,
    tracing,
    ...apiToken,
  });
  // Ferry serving protocols in front of the app (inbound.*); not reloadable: a restart applies changes.
  const servers = new Map<string, ProtocolServer>();
  const inboundObserve = [
    ...(config.metrics.enabled ? [inboundMetricsInterceptor(metrics)] : []),
    inboundTracingInterceptor(tracing),
    ...(adminConsole ? [inboundObserverInterceptor(adminConsole.state.hooks.inbound)] : []),
  ];
  const host = advertisedHost(config);
  // registrations of the app (its own, Ferry's providers) follow its health; not reloadable, like inbound.*
  const health = await createAppHealth(config, logger);
  const registry = (name: string): Registry => {
    const r = createRegistry(config, name, { logger });
    return health ? followingHealth(r, health, logger) : r;
  };
  let appRegistrations: AppRegistrations | undefined;
  for (const protocol of protocols.values()) {
    const server = protocol.createServer?.({
      config,
      logger,
      host,
      registry,
      inboundChain: (spec) => createInboundChain(spec, { config, observe: inboundObserve, ...(health ? { health } : {}) }),
      ...(config.metrics.enabled ? { metrics } : {}),
    });
    if (server) servers.set(protocol.name, server);
  }
  const inboundDubbo = servers.get('dubbo');
  const metricsAuth = config.admin.protectMetrics ? adminAuth(config.admin.token) : undefined;
  const adminPlugins = [
    ...(config.metrics.enabled ? [metricsRoute(metrics, metricsAuth)] : []),
    ...(adminConsole ? [adminConsole.plugin] : []),
  ];
  const admin = config.admin.enabled
    ? buildAdminApp({
        logger,
        state,
        plugins: adminPlugins,
        ...(isLoopbackHost(config.admin.host) ? { loopback: { allowedHosts: config.admin.allowedHosts } } : {}),
      })
    : undefined;

  async function waitReady(runtime: Runtime): Promise<void> {
    try {
      await runtime.router.ready();
      if (runtime === current) state.ready = true;
    } catch (err) {
      logger.error({ err }, 'discovery failed to answer');
    }
  }

  return {
    app,
    ...(admin ? { admin } : {}),
    logger,
    state,
    tracing,
    servers,
    ...(adminConsole ? { console: adminConsole.state } : {}),
    runtime: () => current,
    async start() {
      await app.listen({ host: config.listen.host, port: config.listen.port });
      const port = (app.server.address() as AddressInfo).port;
      let adminPort: number | undefined;
      if (admin) {
        await admin.listen({ host: config.admin.host, port: config.admin.port });
        adminPort = (admin.server.address() as AddressInfo).port;
      }
      for (const server of servers.values()) await server.start();
      if (config.inbound.app.register.length) appRegistrations = await registerApplication(config, host, registry, logger);
      const dubboPort = inboundDubbo?.port;
      logger.info({ port, adminPort, dubboPort, services: Object.keys(config.services) }, 'ferry listening');
      void waitReady(current);
      return { port, ...(adminPort === undefined ? {} : { adminPort }), ...(dubboPort === undefined ? {} : { dubboPort }) };
    },
    async reload(next) {
      // a protocol the new config brings in loads before its routes are built (the old routes serve meanwhile)
      await loader.load(protocolsUsedBy(next, options.protocols));
      await loadRegistries(next);
      const previous = current;
      current = buildRuntime(runtimeConfig(next), logger, protocols, hooks);
      unwatch();
      unwatch = watch(current);
      state.ready = false;
      adminConsole?.state.reloaded();
      await waitReady(current);
      logger.info({ services: Object.keys(next.services) }, 'config reloaded');
      setTimeout(() => void previous.router.close(), config.shutdown.drainTimeoutMs).unref();
    },
    async close() {
      state.shuttingDown = true;
      // registry records first: the app's own (callers stop picking it), then Ferry's providers, the read-only
      // event, the drain, the port (see DubboInboundServer.close)
      await appRegistrations?.close(Math.min(5000, config.shutdown.drainTimeoutMs));
      const inboundDrain = Promise.all([...servers.values()].map((s) => s.close(config.shutdown.drainTimeoutMs)));
      const drain = app.close();
      const timer = new Promise<void>((resolve) => setTimeout(resolve, config.shutdown.drainTimeoutMs).unref());
      await Promise.race([drain, timer]);
      // whatever is still open after the drain (a request that never finished arriving) is cut
      app.server.closeAllConnections();
      await inboundDrain;
      adminConsole?.state.close();
      await admin?.close();
      unwatch();
      await current.router.close();
      await health?.close();
      await tracing.shutdown();
    },
  };
}

/** What watches the calls of every route, at one level: the metrics and the console's figures. */
interface Watchers {
  watch: Watcher;
  watchAttempt: Watcher;
}

/** One stage of the watchers, or none. */
function watching(watchers: Watcher[]): Array<(route: RouteInfo) => Interceptor> {
  return watchers.length ? [watchStage(watchers)] : [];
}

/**
 * The observe stages (the watchers: metrics and the console, one stage per level → tracing) and the retry counter,
 * ahead of any the caller adds.
 */
function observeHooks(
  config: FerryConfig,
  tracing: Tracing,
  metrics: FerryMetrics,
  extra: RuntimeHooks = {},
  consoleWatch?: Watchers,
): RuntimeHooks {
  const on = config.metrics.enabled;
  const events: RuntimeHooks['events'] = on
    ? {
        connection: (protocol, endpoint, delta) => metrics.upstreamConnections.inc({ protocol, endpoint }, delta),
        decodeError: (protocol) => metrics.decodeErrors.inc({ protocol }),
      }
    : extra.events;
  return {
    observe: [
      ...watching([...(on ? [metricsWatcher(metrics)] : []), ...(consoleWatch ? [consoleWatch.watch] : [])]),
      ...(tracing.enabled ? [tracingInterceptor(tracing)] : []),
      ...(extra.observe ?? []),
    ],
    observeAttempt: [
      ...watching([...(on ? [metricsAttemptWatcher(metrics)] : []), ...(consoleWatch ? [consoleWatch.watchAttempt] : [])]),
      ...(tracing.enabled ? [tracingAttemptInterceptor(tracing)] : []),
      ...(extra.observeAttempt ?? []),
    ],
    onRetry: [...(on ? [retryCounter(metrics)] : []), ...(extra.onRetry ?? [])],
    onResilience: [...(on ? [resilienceCounter(metrics)] : []), ...(extra.onResilience ?? [])],
    ...(events ? { events } : {}),
  };
}

/**
 * The app's health as registrations follow it: only when something registers (the app itself, or Ferry as a
 * Dubbo provider) and `inbound.app.health.follow` is on.
 */
async function createAppHealth(config: FerryConfig, logger: Logger): Promise<AppHealth | undefined> {
  const h = config.inbound.app.health;
  if (!h.follow || (config.inbound.app.register.length === 0 && inboundRegistries(config).length === 0)) return undefined;
  const healthUrl = appHealthUrl(config);
  // imported only here: its undici client (the package's entry point) is for configs that register the app
  const { AppHealth } = await import('./discovery/app-health.js');
  return new AppHealth({
    ...(healthUrl ? { healthUrl } : {}),
    appUrl: config.inbound.app.url,
    intervalMs: h.intervalMs,
    timeoutMs: h.timeoutMs,
    failureThreshold: h.failureThreshold,
    successThreshold: h.successThreshold,
    logger,
  });
}

/** Registries the inbound servers register in (their gauges follow them too). */
function inboundRegistryNames(config: FerryConfig): string[] {
  return inboundRegistries(config).map((r) => r.registry);
}
