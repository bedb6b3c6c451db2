/**
 * The routes as the console shows them: the graph's topology, and the Services page (per service: protocol,
 * discovery, endpoints with breaker state, calls in flight and last error, per-method figures; the inbound side).
 */
import type { FerryConfig } from '../config/schema.js';
import type { InboundDubboConfig } from '../protocols/dubbo/server/schema.js';
import type { Route } from '../routing/router.js';
import type { Runtime } from '../runtime.js';
import type { Topology, TopologyEndpoint, TopologyService } from './graph.js';
import { OTHER, type ConsoleModel, type Series } from './model.js';
import { emptySummary } from './window.js';
import type { EndpointView, Figures, InboundView, MethodView, ServiceView, ServicesView } from './views.js';


function figures(series: Series | undefined, now: number): Figures {
  const { series: _, ...rest } = series ? series.window.summary(now) : emptySummary();
  return rest;
}

function label(route: Route, adhoc: boolean): string {
  if (!adhoc) return route.name;
  const c = route.protocol.serviceKey(route.config as never);
  // the interface's simple name: the package is the same for most services of a team
  const iface = c.interface.split('.').pop()!;
  return `${iface}${c.version ? `:${c.version}` : ''}${c.group ? ` (${c.group})` : ''}`;
}

/** `static`, or the registry's type and name (`zookeeper main`). */
function discoveryOf(route: Route, config: FerryConfig): string {
  const name = route.config.registry;
  return name ? `${config.registries[name]?.type ?? 'registry'} ${name}` : 'static';
}

function endpointsOf(route: Route): TopologyEndpoint[] {
  return route.source.current().map((ep) => ({
    id: ep.id,
    address: ep.address,
    weight: ep.weight,
    ...(ep.params.version ? { version: ep.params.version } : {}),
    ...(ep.params.group ? { group: ep.params.group } : {}),
    breakerOpen: route.breakers.isOpen(ep.id),
    available: route.available(ep),
  }));
}

const isAdhoc = (config: FerryConfig, route: Route) => !Object.prototype.hasOwnProperty.call(config.services, route.name);

export function topologyOf(runtime: Runtime): Topology {
  const services: TopologyService[] = runtime.router.routes().map((route) => {
    const adhoc = isAdhoc(runtime.config, route);
    return {
      name: route.name,
      label: label(route, adhoc),
      protocol: route.protocol.name,
      adhoc,
      discovery: discoveryOf(route, runtime.config),
      endpoints: endpointsOf(route),
    };
  });
  return { application: runtime.config.application, services };
}

function methodViews(declared: string[], seen: Iterable<[string, Series]>, now: number): MethodView[] {
  const rows = new Map<string, MethodView>();
  for (const name of declared) rows.set(name, { name, declared: true, ...figures(undefined, now) });
  for (const [name, series] of seen) rows.set(name, { name, declared: declared.includes(name), ...figures(series, now) });
  return [...rows.values()].sort(
    (a, b) =>
      Number(b.declared) - Number(a.declared) || (a.name === OTHER ? 1 : 0) - (b.name === OTHER ? 1 : 0) || a.name.localeCompare(b.name),
  );
}

function serviceView(route: Route, config: FerryConfig, model: ConsoleModel, now: number): ServiceView {
  const adhoc = isAdhoc(config, route);
  const stats = model.services.peek(route.name);
  const c = route.config;
  const seen = new Map(stats ? [...stats.endpoints.entries()] : []);
  const endpoints: EndpointView[] = endpointsOf(route).map((ep) => {
    const series = seen.get(ep.id);
    seen.delete(ep.id);
    return {
      ...ep,
      state: ep.breakerOpen ? 'breaker open' : ep.available ? 'up' : 'read-only',
      inFlight: series?.inFlight ?? 0,
      ...(series?.lastError ? { lastError: series.lastError } : {}),
      ...figures(series, now),
    };
  });
  for (const [id, series] of seen) {
    if (id === OTHER || !series.window.activeWithin(now, 60)) continue;
    endpoints.push({
      id,
      address: id,
      weight: 0,
      breakerOpen: false,
      available: false,
      state: 'left discovery',
      inFlight: series.inFlight,
      ...(series.lastError ? { lastError: series.lastError } : {}),
      ...figures(series, now),
    });
  }
  return {
    name: route.name,
    label: label(route, adhoc),
    protocol: route.protocol.name,
    adhoc,
    discovery: discoveryOf(route, config),
    ...serviceKeyView(route),
    loadBalancer: c.loadBalancer ?? config.defaults.loadBalancer,
    timeoutMs: route.timeoutMs,
    retries: c.retries ?? config.defaults.retries,
    endpoints,
    methods: methodViews(Object.keys(c.methods ?? {}), stats ? stats.methods.entries() : [], now),
    ...figures(stats?.calls, now),
  };
}

export function servicesView(runtime: Runtime, model: ConsoleModel, now: number): ServicesView {
  const { config } = runtime;
  const services = runtime.router
    .routes()
    .filter((route) => !isAdhoc(config, route) || model.services.peek(route.name))
    .map((route) => serviceView(route, config, model, now));
  const dubbo = config.inbound.dubbo as InboundDubboConfig | undefined;
  const inbound: InboundView[] = (dubbo?.enabled ? dubbo.services : []).map((svc) => {
    const stats = model.inbound.peek(svc.interface);
    return {
      interface: svc.interface,
      protocol: 'dubbo',
      ...(svc.version ? { version: svc.version } : {}),
      ...(svc.group ? { group: svc.group } : {}),
      methods: methodViews(Object.keys(svc.methods).map((k) => k.replace(/\(.*$/, '')), stats ? stats.methods.entries() : [], now),
      ...figures(stats?.calls, now),
    };
  });
  const callers = [...model.callers.entries()].map(([name, series]) => ({ name, ...figures(series, now) }));
  return { services, inbound, callers };
}

/** How registries name the service (nothing for services that are only a name, e.g. HTTP). */
function serviceKeyView(route: Route): { interface?: string; version?: string; group?: string } {
  const key = route.protocol.serviceKey(route.config as never);
  if (key.interface === route.name) return {};
  return { interface: key.interface, ...(key.version ? { version: key.version } : {}), ...(key.group ? { group: key.group } : {}) };
}
