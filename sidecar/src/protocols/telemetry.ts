import type { Attributes } from '@opentelemetry/api';
import type { CallTelemetry, Reply } from '../pipeline/types.js';
import { answeredByUpstream } from '../pipeline/observe.js';
import { ATTR } from '../observability/tracing.js';

export interface RpcTelemetryOptions {
  /** `rpc.system` (OTel RPC semantic conventions). */
  system: string;
  /** `rpc.service`: the interface or fully qualified service name. */
  service: string;
  /** Further span attributes every call has. */
  attributes?: Attributes;
  /** Attributes of an answer or of a failure's upstream status. */
  outcome?(reply: Reply | undefined, upstreamStatus: unknown): Attributes | undefined;
  /** Every outcome but "not found" shows the method is real (gRPC: methods are checked against the proto). */
  methodsChecked?: boolean;
}

/** The telemetry of an RPC protocol: span `{service}/{method}`, `rpc.*` attributes. */
export function rpcTelemetry(options: RpcTelemetryOptions): CallTelemetry {
  const base: Attributes = { [ATTR.rpcSystem]: options.system, [ATTR.rpcService]: options.service, ...options.attributes };
  return {
    spanName: (call) => `${options.service}/${call.method}`,
    spanAttributes: (call) => ({ ...base, [ATTR.rpcMethod]: call.method }),
    outcomeAttributes: (reply, status) => options.outcome?.(reply, status),
    methodAccepted: options.methodsChecked ? () => true : answeredByUpstream,
  };
}
