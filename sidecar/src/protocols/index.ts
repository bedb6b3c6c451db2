/**
 * The registry of protocols: adding a protocol is one folder under `protocols/` exporting a `ProtocolPlugin`
 * and one line here. A plug-in holds only its name, service schema and local routes; `load()` imports the rest
 * (clients, codecs, servers), and a sidecar loads only the protocols its config uses (`ProtocolLoader`), so an
 * HTTP-only config never opens the Dubbo, gRPC or Hessian code.
 */
import { union, type Node } from '../config/dsl.js';
import type { FerryConfig } from '../config/schema.js';
import type { ServiceConfig } from '../config/service.js';
import type { Protocol, ProtocolEntry } from './types.js';
import { http } from './http/index.js';
import { dubbo } from './dubbo/index.js';
import { jsonrpc } from './jsonrpc/index.js';
import { grpc } from './grpc/index.js';
import { triple } from './triple/index.js';

/** Every protocol of this build, one line each. */
export const PROTOCOLS: readonly ProtocolEntry[] = [http, dubbo, jsonrpc, grpc, triple];

/** `services.<name>`: a union keyed on `protocol` of the protocols' service schemas. */
export function serviceSchemaOf(protocols: readonly ProtocolEntry[]): Node<ServiceConfig> {
  return union('protocol', Object.fromEntries(protocols.map((p) => [p.name, p.schema as Node<ServiceConfig>])));
}

export const serviceSchema = serviceSchemaOf(PROTOCOLS);

/** `inbound.<protocol>`: the inbound sections of the protocols that have one. */
export function inboundSchemasOf(protocols: readonly ProtocolEntry[]): Record<string, Node<unknown>> {
  return Object.fromEntries(protocols.flatMap((p) => (p.inbound ? [[p.name, p.inbound]] : [])));
}

/** The loaded protocols, by name (config types erased: each is called with services of its own protocol). */
export type Protocols = ReadonlyMap<string, Protocol<never>>;

/** Loads protocols (all of this build's by default): their clients and servers. */
export async function loadProtocols(protocols: readonly ProtocolEntry[] = PROTOCOLS): Promise<Protocols> {
  const loaded: Protocol<never>[] = await Promise.all(protocols.map((p) => p.load()));
  return new Map(loaded.map((p) => [p.name, p]));
}

/** The protocols a config serves in front of the app: each `inbound.<protocol>` present and not disabled. */
export function inboundProtocols(config: FerryConfig, protocols: readonly ProtocolEntry[] = PROTOCOLS): string[] {
  const inbound = config.inbound as Record<string, { enabled?: boolean } | undefined>;
  return protocols.filter((p) => p.inbound && inbound[p.name] && inbound[p.name]!.enabled !== false).map((p) => p.name);
}

/** The protocols a config needs loaded: its services' and its inbound servers'. */
export function protocolsUsedBy(config: FerryConfig, protocols: readonly ProtocolEntry[] = PROTOCOLS): string[] {
  return [...new Set([...Object.values(config.services).map((s) => s.protocol), ...inboundProtocols(config, protocols)])];
}

/**
 * The protocols of one sidecar, loaded on first need and kept (a protocol's code is never unloaded): the start-up
 * config's, then a reload's new ones before its routes are built, and an ad-hoc call's on its first call.
 * `loaded` is one map that grows, so routers built earlier see later loads.
 */
export class ProtocolLoader {
  readonly #entries: ReadonlyMap<string, ProtocolEntry>;
  readonly #loaded = new Map<string, Protocol<never>>();
  readonly #loading = new Map<string, Promise<void>>();

  constructor(entries: readonly ProtocolEntry[] = PROTOCOLS) {
    this.#entries = new Map(entries.map((p) => [p.name, p]));
  }

  /** This build's plug-ins (loaded or not): their local routes are part of the API from the start. */
  get entries(): IterableIterator<ProtocolEntry> {
    return this.#entries.values();
  }

  get loaded(): Protocols {
    return this.#loaded;
  }

  /** Loads the named protocols not loaded yet (concurrent calls share one load). */
  async load(names: Iterable<string>): Promise<Protocols> {
    await Promise.all([...new Set(names)].map((name) => this.#load(name)));
    return this.#loaded;
  }

  #load(name: string): Promise<void> {
    if (this.#loaded.has(name)) return Promise.resolve();
    let loading = this.#loading.get(name);
    if (!loading) {
      const entry = this.#entries.get(name);
      if (!entry) return Promise.reject(new Error(`protocol "${name}" is not part of this build`));
      loading = entry.load().then(
        (protocol) => {
          this.#loaded.set(name, protocol);
          this.#loading.delete(name);
        },
        (err: unknown) => {
          this.#loading.delete(name);
          throw err;
        },
      );
      this.#loading.set(name, loading);
    }
    return loading;
  }
}
