/**
 * Which targets ad-hoc calls (`POST /v1/dubbo/invoke`: a service that is not in the config) may reach. Off by
 * default; when on, a call through a registry needs that registry in `adhoc.registries`, and a call to an
 * `endpoint` needs the endpoint to match one of `adhoc.endpoints`:
 *
 *   10.1.2.3:20880            one address and port
 *   10.0.0.0/8:20880          an IPv4 subnet (CIDR)
 *   10.0.*.*:*                IPv4 with `*` octets; port `*` is any port
 *   users.prod.svc:20880      one host name (case-insensitive)
 *   *.svc.cluster.local:*     any name ending in `.svc.cluster.local` (one label or more before it)
 *   *:20880                   any host, that port only
 *
 * Address patterns only match IP literals and name patterns only match names, so `10.0.0.*` never admits a
 * name such as `10.0.0.evil` (which a resolver's search list could send anywhere). A name is allowed by what it
 * says, not by what it resolves to: name patterns trust the cluster's DNS.
 */
import { BlockList, isIPv4 } from 'node:net';

export interface AdhocConfig {
  enabled: boolean;
  registries: readonly string[];
  endpoints: readonly string[];
}

/** Where an ad-hoc call wants to go: a configured registry, or a provider's host and port. */
export type AdhocTarget = { registry: string } | { host: string; port: number };

type HostMatch = (host: string) => boolean;

interface EndpointPattern {
  host: HostMatch;
  /** undefined: any port. */
  port: number | undefined;
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const OCTET = /^(\*|25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function hostPattern(host: string): HostMatch | string {
  if (host === '*') return () => true;
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(host);
  if (cidr) {
    const prefix = Number(cidr[2]);
    if (!isIPv4(cidr[1]!) || prefix > 32) return 'not an IPv4 subnet (a.b.c.d/0-32)';
    const subnet = new BlockList();
    subnet.addSubnet(cidr[1]!, prefix, 'ipv4');
    return (h) => isIPv4(h) && subnet.check(h, 'ipv4');
  }
  if (/^[\d*.]+$/.test(host)) {
    const octets = host.split('.');
    if (octets.length !== 4 || !octets.every((o) => OCTET.test(o))) return 'not an IPv4 address or pattern (10.0.*.*)';
    return (h) => isIPv4(h) && h.split('.').every((o, i) => octets[i] === '*' || octets[i] === o);
  }
  const name = host.toLowerCase();
  const wildcard = name.startsWith('*.');
  const labels = (wildcard ? name.slice(2) : name).split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'not a host name, or "*." before one (a * stands only for the leading labels)';
  if (wildcard) {
    const suffix = name.slice(1);
    return (h) => !isIPv4(h) && h.length > suffix.length && h.toLowerCase().endsWith(suffix);
  }
  return (h) => h.toLowerCase() === name;
}

/** Parses one `adhoc.endpoints` pattern: the pattern, or a message saying what is wrong with it. */
export function endpointPattern(text: string): EndpointPattern | string {
  const at = text.lastIndexOf(':');
  if (at <= 0) return 'expected HOST:PORT (PORT may be *)';
  const portText = text.slice(at + 1);
  let port: number | undefined;
  if (portText !== '*') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return `port "${portText}" is not 1-65535 or *`;
  }
  const host = hostPattern(text.slice(0, at));
  return typeof host === 'string' ? host : { host, port };
}

/** Why `adhoc` refuses the target (a sentence naming the config key to change), or undefined when it allows it. */
export type AdhocPolicy = (target: AdhocTarget) => string | undefined;

/** The policy of one config, built once per config object (the patterns are parsed on first use, not per call). */
export function adhocPolicy(adhoc: AdhocConfig): AdhocPolicy {
  let policy = POLICIES.get(adhoc);
  if (!policy) POLICIES.set(adhoc, (policy = buildPolicy(adhoc)));
  return policy;
}

const POLICIES = new WeakMap<AdhocConfig, AdhocPolicy>();

function buildPolicy(adhoc: AdhocConfig): AdhocPolicy {
  if (!adhoc.enabled) return () => 'ad-hoc calls are off: configure the service, or turn them on with adhoc.enabled';
  const registries = new Set(adhoc.registries);
  // the schema has checked every pattern
  const patterns = adhoc.endpoints.map(endpointPattern).filter((p): p is EndpointPattern => typeof p !== 'string');
  return (target) => {
    if ('registry' in target) {
      return registries.has(target.registry) ? undefined : `registry "${target.registry}" is not open to ad-hoc calls (adhoc.registries)`;
    }
    const host = target.host.toLowerCase();
    const allowed = patterns.some((p) => (p.port === undefined || p.port === target.port) && p.host(host));
    return allowed ? undefined : `endpoint "${target.host}:${target.port}" matches none of adhoc.endpoints`;
  };
}
