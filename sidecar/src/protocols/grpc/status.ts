/**
 * gRPC status → Ferry error, per Google's standard mapping of status codes to HTTP
 * (google/rpc/code.proto; the contract's FERRY_ERR_GRPC_* rows carry the HTTP status). The
 * `grpc-status-details-bin` trailer (a google.rpc.Status) is decoded and kept in `upstream.data`.
 */
import protobuf from 'protobufjs';
import { status as Status, type Metadata } from '@grpc/grpc-js';
import { FerryError, type ErrorCode } from '../../errors.js';
import { decodeToJson, type TypeResolver } from './json.js';

const BY_CODE: Record<number, ErrorCode> = {
  [Status.CANCELLED]: 'FERRY_ERR_GRPC_CANCELLED', // 499
  [Status.UNKNOWN]: 'FERRY_ERR_GRPC_UNKNOWN', // 500
  [Status.INVALID_ARGUMENT]: 'FERRY_ERR_GRPC_INVALID_ARGUMENT', // 400
  [Status.DEADLINE_EXCEEDED]: 'FERRY_ERR_UPSTREAM_TIMEOUT', // 504
  [Status.NOT_FOUND]: 'FERRY_ERR_GRPC_NOT_FOUND', // 404
  [Status.ALREADY_EXISTS]: 'FERRY_ERR_GRPC_ALREADY_EXISTS', // 409
  [Status.PERMISSION_DENIED]: 'FERRY_ERR_GRPC_PERMISSION_DENIED', // 403
  [Status.RESOURCE_EXHAUSTED]: 'FERRY_ERR_GRPC_RESOURCE_EXHAUSTED', // 429
  [Status.FAILED_PRECONDITION]: 'FERRY_ERR_GRPC_FAILED_PRECONDITION', // 400
  [Status.ABORTED]: 'FERRY_ERR_GRPC_ABORTED', // 409
  [Status.OUT_OF_RANGE]: 'FERRY_ERR_GRPC_OUT_OF_RANGE', // 400
  [Status.UNIMPLEMENTED]: 'FERRY_ERR_GRPC_UNIMPLEMENTED', // 501
  [Status.INTERNAL]: 'FERRY_ERR_GRPC_INTERNAL', // 500
  [Status.UNAVAILABLE]: 'FERRY_ERR_GRPC_UNAVAILABLE', // 503
  [Status.DATA_LOSS]: 'FERRY_ERR_GRPC_DATA_LOSS', // 500
  [Status.UNAUTHENTICATED]: 'FERRY_ERR_GRPC_UNAUTHENTICATED', // 401
};

export function statusName(code: number): string {
  return (Status as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

export function errorCodeForStatus(code: number): ErrorCode {
  return BY_CODE[code] ?? 'FERRY_ERR_GRPC_UNKNOWN';
}

/**
 * google.rpc.Status and the standard error details (google/rpc/error_details.proto), for decoding details. Built
 * on first use: most starts never decode one.
 */
const RPC_JSON = <protobuf.INamespace>{
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 },
              },
            },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
            DebugInfo: { fields: { stack_entries: { rule: 'repeated', type: 'string', id: 1 }, detail: { type: 'string', id: 2 } } },
            QuotaFailure: {
              fields: { violations: { rule: 'repeated', type: 'Violation', id: 1 } },
              nested: { Violation: { fields: { subject: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } } },
            },
            PreconditionFailure: {
              fields: { violations: { rule: 'repeated', type: 'Violation', id: 1 } },
              nested: {
                Violation: {
                  fields: { type: { type: 'string', id: 1 }, subject: { type: 'string', id: 2 }, description: { type: 'string', id: 3 } },
                },
              },
            },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: {
                FieldViolation: {
                  fields: {
                    field: { type: 'string', id: 1 },
                    description: { type: 'string', id: 2 },
                    reason: { type: 'string', id: 3 },
                    localized_message: { type: 'LocalizedMessage', id: 4 },
                  },
                },
              },
            },
            RequestInfo: { fields: { request_id: { type: 'string', id: 1 }, serving_data: { type: 'string', id: 2 } } },
            ResourceInfo: {
              fields: {
                resource_type: { type: 'string', id: 1 },
                resource_name: { type: 'string', id: 2 },
                owner: { type: 'string', id: 3 },
                description: { type: 'string', id: 4 },
              },
            },
            Help: {
              fields: { links: { rule: 'repeated', type: 'Link', id: 1 } },
              nested: { Link: { fields: { description: { type: 'string', id: 1 }, url: { type: 'string', id: 2 } } } },
            },
            LocalizedMessage: { fields: { locale: { type: 'string', id: 1 }, message: { type: 'string', id: 2 } } },
          },
        },
      },
    },
  },
};
let rpcRoot: protobuf.Root | undefined;

function rpcTypesRoot(): protobuf.Root {
  if (!rpcRoot) {
    rpcRoot = protobuf.Root.fromJSON(RPC_JSON);
    rpcRoot.resolveAll();
  }
  return rpcRoot;
}

/** The standard google.rpc types (Status, ErrorInfo, BadRequest…), for `Any` payloads a service's protos do not declare. */
export const rpcTypes: TypeResolver = (name) => {
  try {
    return rpcTypesRoot().lookupType(name);
  } catch {
    return undefined;
  }
};

/** What a failed grpc-js call reports. */
export interface StatusLike {
  code: number;
  details?: string;
  metadata?: Metadata;
}

/** Decodes `grpc-status-details-bin` (a google.rpc.Status) into its details, as canonical JSON. */
export function statusDetails(metadata: Metadata | undefined, resolve: TypeResolver): unknown[] | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  try {
    const status = decodeToJson(rpcTypes('google.rpc.Status')!, raw, (name) => resolve(name) ?? rpcTypes(name)) as { details?: unknown[] };
    return status.details ?? [];
  } catch {
    return [{ undecodable: Buffer.from(raw).toString('base64') }];
  }
}

const CONNECT_HINTS =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|No connection established|Failed to connect|connect ETIMEDOUT/i;
const RESET_HINTS = /ECONNRESET|Connection dropped|RST_STREAM|socket hang up|GOAWAY/i;

/** A gRPC failure (status from the server, or from grpc-js for transport trouble) as a Ferry error. */
export function grpcFailure(err: StatusLike, endpoint: string, resolve: TypeResolver, signal?: AbortSignal): FerryError {
  if (signal?.aborted && signal.reason instanceof FerryError) return signal.reason;
  if (err instanceof FerryError) return err;
  const code = typeof err.code === 'number' ? err.code : Status.UNKNOWN;
  const message = err.details ?? (err as unknown as Error).message ?? '';
  const details = statusDetails(err.metadata, resolve);
  const upstream = { protocol: 'grpc', status: code, message, endpoint, ...(details ? { data: details } : {}) };
  const text = `gRPC ${statusName(code)}: ${message}`;
  // Transport failures grpc-js reports as UNAVAILABLE/INTERNAL are Ferry's connection errors (retry, breaker).
  if (code === Status.UNAVAILABLE && CONNECT_HINTS.test(message))
    return new FerryError('FERRY_ERR_UPSTREAM_CONNECT', text, { upstream, cause: err });
  if ((code === Status.UNAVAILABLE || code === Status.INTERNAL) && RESET_HINTS.test(message) && !details) {
    return new FerryError('FERRY_ERR_UPSTREAM_RESET', text, { upstream, cause: err });
  }
  if (code === Status.RESOURCE_EXHAUSTED && /larger than max/i.test(message))
    return new FerryError('FERRY_ERR_UPSTREAM_TOO_LARGE', text, { upstream, cause: err });
  return new FerryError(errorCodeForStatus(code), text, { upstream, cause: err });
}
