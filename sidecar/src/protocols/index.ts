/**
 * The registry of protocols: adding a protocol is one folder under `protocols/` exporting a `ProtocolPlugin`
 * and one line here. A plug-in holds only its name and service schema; `load()` imports the rest, so only the
 * protocols a build loads cost start-up time and memory.
 */
import { union, type Node } from '../config/dsl.js';
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

/** Loads protocols (all of this build's by default): their clients, servers and local routes. */
export async function loadProtocols(protocols: readonly ProtocolEntry[] = PROTOCOLS): Promise<Protocols> {
  const loaded: Protocol<never>[] = await Promise.all(protocols.map((p) => p.load()));
  return new Map(loaded.map((p) => [p.name, p]));
}
