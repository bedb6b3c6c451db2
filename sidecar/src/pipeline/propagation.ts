import type { FerryConfig, ServiceConfig } from '../config/schema.js';
import type { Interceptor } from './types.js';

/** Matches header names against an allow-list of exact names and `prefix*` patterns. */
export function headerMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (lower.endsWith('*')) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

/** The allow-list for one service: the global list, replaced or trimmed by the service's override. */
export function serviceMatcher(config: FerryConfig, service: ServiceConfig): (name: string) => boolean {
  const base = headerMatcher(service.propagation?.headers ?? config.propagation.headers);
  const excluded = headerMatcher(service.propagation?.exclude ?? []);
  return (name) => base(name) && !excluded(name);
}

/**
 * Copies the allow-listed headers of the app's request into `call.outgoing`, from where each protocol
 * client writes them with its carrier (HTTP headers, Dubbo attachments, gRPC metadata). Matchers are
 * built once per service, not per call.
 */
export function propagationInterceptor(config: FerryConfig): Interceptor {
  const matchers = new Map<string, (name: string) => boolean>();
  const matcherFor = (service: ServiceConfig) => {
    let m = matchers.get(service.name);
    if (!m) matchers.set(service.name, (m = serviceMatcher(config, service)));
    return m;
  };
  return (next) =>
    function propagate(call) {
      const allowed = matcherFor(call.route.config);
      const outgoing: Record<string, string> = { ...call.outgoing };
      for (const [name, value] of Object.entries(call.incomingHeaders)) {
        if (value === undefined || !allowed(name)) continue;
        outgoing[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return next({ ...call, outgoing });
    };
}
