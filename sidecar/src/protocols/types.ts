import type { Call, Reply } from '../pipeline/types.js';
import type { Endpoint } from '../discovery/types.js';
import type { ServiceConfig } from '../config/schema.js';
import type { FerryConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';

/**
 * Get/set of propagated keys on one protocol's carrier (HTTP headers, Dubbo attachments, gRPC metadata).
 * Auth and trace propagation both go through it (the OpenTelemetry TextMap getter/setter pattern).
 */
export interface Carrier<C> {
  get(carrier: C, key: string): string | undefined;
  set(carrier: C, key: string, value: string): void;
  keys(carrier: C): string[];
}

/** Sends calls to one endpoint of one service. Connections are its business. */
export interface ProtocolClient {
  invoke(call: Call, endpoint: Endpoint): Promise<Reply>;
  /** False while the endpoint asked not to get new calls (a Dubbo provider's read-only event). */
  available?(endpoint: Endpoint): boolean;
  /** Called when an endpoint leaves discovery, so pooled connections can be closed. */
  forget?(endpoint: Endpoint): void;
  close(): Promise<void>;
}

/** What protocol clients report about their transport (metrics listen; nothing here may throw into a call). */
export interface UpstreamEvents {
  connection(protocol: string, endpoint: string, delta: 1 | -1): void;
  decodeError(protocol: string): void;
}

export interface ProtocolContext {
  config: FerryConfig;
  logger: Logger;
  events?: UpstreamEvents;
}

/** A protocol: a name, a client factory per service, and how it maps a registry URL scheme. */
export interface Protocol {
  readonly name: ServiceConfig['protocol'];
  /** `rpc.system` for tracing. */
  readonly rpcSystem: string;
  createClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient;
}
