import * as grpc from '@grpc/grpc-js';
import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint } from '../../discovery/types.js';
import type { GrpcServiceConfig as ServiceConfig } from './schema.js';
import type { ProtocolClient, ProtocolContext } from '../types.js';
import { FerryError } from '../../errors.js';
import { grpcCarrier, metadataToHeaders } from './carrier.js';
import { decodeToJson, encodeJson } from './json.js';
import { loadService, type GrpcMethod, type LoadedService } from './loader.js';
import { grpcFailure } from './status.js';

/** Ferry encodes and decodes messages itself (canonical JSON ⇄ wire), so grpc-js moves bytes. */
const asIs = (value: Buffer): Buffer => value;

/**
 * Channel options. Keepalive pings every 5 minutes at most (the default minimum servers permit, e.g.
 * grpc-java's `permitKeepAliveTime`), so no server answers with GOAWAY `too_many_pings`.
 */
function channelOptions(maxMessageBytes: number): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': 300_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.primary_user_agent': 'ferry',
    'grpc.enable_retries': 0,
  };
}

function target(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/**
 * `protocol: grpc`. One grpc-js channel per endpoint, created on first use and reused by every call until
 * the endpoint leaves discovery. Unary calls answer JSON; server-streaming calls answer `Reply.stream`,
 * one message per NDJSON line as it arrives. The call's deadline is the gRPC deadline.
 */
export function createGrpcClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  const loaded: LoadedService = loadService(service);
  const channels = new Map<string, grpc.Client>();
  const credentials = service.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const options = channelOptions(ctx.config.limits.proxyBodyBytes);
  const triVersion = service.triVersion ?? service.version;
  const triGroup = service.triGroup ?? service.group;

  function channel(endpoint: Endpoint): grpc.Client {
    let client = channels.get(endpoint.id);
    if (!client) {
      client = new grpc.Client(target(endpoint), credentials, options);
      channels.set(endpoint.id, client);
      ctx.events?.connection('grpc', endpoint.id, 1); // one channel per endpoint, counted as its connection
    }
    return client;
  }

  function methodFor(call: Call): GrpcMethod {
    const method = loaded.methods.get(call.method);
    if (!method) {
      const known = [...new Set([...loaded.methods.values()].map((m) => m.name))];
      throw new FerryError(
        'FERRY_ERR_METHOD_NOT_FOUND',
        `no method "${call.method}" in gRPC service ${loaded.fullName} (known: ${known.join(', ')})`,
      );
    }
    if (method.requestStream) {
      throw new FerryError(
        'FERRY_ERR_BAD_REQUEST',
        `${loaded.fullName}/${method.name} is a client-streaming method; only unary and server-streaming calls are bridged`,
      );
    }
    return method;
  }

  function metadataFor(call: Call): grpc.Metadata {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(call.outgoing)) grpcCarrier.set(metadata, key, value);
    if (metadata.get('x-request-id').length === 0) grpcCarrier.set(metadata, 'x-request-id', call.requestId);
    if (triVersion) metadata.set('tri-service-version', triVersion);
    if (triGroup) metadata.set('tri-service-group', triGroup);
    return metadata;
  }

  function decode(method: GrpcMethod, bytes: Buffer, endpoint: Endpoint): unknown {
    try {
      return decodeToJson(method.responseType, bytes, loaded.resolve);
    } catch (err) {
      throw new FerryError(
        'FERRY_ERR_UPSTREAM_PROTOCOL',
        `cannot decode ${method.responseType.fullName.slice(1)} from ${endpoint.id}: ${(err as Error).message}`,
        {
          upstream: { protocol: 'grpc', endpoint: endpoint.id },
          cause: err,
        },
      );
    }
  }

  function unary(call: Call, endpoint: Endpoint, method: GrpcMethod, payload: Buffer): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      let headers: grpc.Metadata | undefined;
      let trailers: grpc.Metadata | undefined;
      const onAbort = () => pending.cancel();
      const pending = channel(endpoint).makeUnaryRequest(
        method.path,
        asIs,
        asIs,
        payload,
        metadataFor(call),
        { deadline: new Date(call.deadline) },
        (err, value) => {
          call.signal.removeEventListener('abort', onAbort);
          if (err) return reject(grpcFailure(err, endpoint.id, loaded.resolve, call.signal));
          try {
            const out = metadataToHeaders(headers, trailers);
            resolve({ kind: 'value', value: decode(method, value!, endpoint), ...(out ? { headers: out } : {}) });
          } catch (error) {
            reject(error);
          }
        },
      );
      pending.on('metadata', (metadata: grpc.Metadata) => (headers = metadata));
      pending.on('status', (status: grpc.StatusObject) => (trailers = status.metadata));
      if (call.signal.aborted) onAbort();
      else call.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Waits for the first message (or the end, or the failure) before answering, so a call that fails at
   * once gets a real HTTP error status; after that each message is handed on as it arrives, with grpc-js
   * flow control as back-pressure. The app going away cancels the call.
   */
  async function serverStream(call: Call, endpoint: Endpoint, method: GrpcMethod, payload: Buffer): Promise<Reply> {
    let headers: grpc.Metadata | undefined;
    const stream = channel(endpoint).makeServerStreamRequest(method.path, asIs, asIs, payload, metadataFor(call), {
      deadline: new Date(call.deadline),
    });
    stream.on('metadata', (metadata: grpc.Metadata) => (headers = metadata));
    const onAbort = () => stream.cancel();
    if (call.signal.aborted) onAbort();
    else call.signal.addEventListener('abort', onAbort, { once: true });
    const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let first: IteratorResult<Buffer>;
    try {
      first = await iterator.next();
    } catch (err) {
      throw grpcFailure(err as grpc.ServiceError, endpoint.id, loaded.resolve, call.signal);
    } finally {
      call.signal.removeEventListener('abort', onAbort);
    }

    async function* messages(): AsyncGenerator<unknown> {
      let finished = false;
      try {
        let next = first;
        for (;;) {
          if (next.done) {
            finished = true;
            return;
          }
          yield decode(method, next.value, endpoint);
          try {
            next = await iterator.next();
          } catch (err) {
            finished = true;
            throw grpcFailure(err as grpc.ServiceError, endpoint.id, loaded.resolve);
          }
        }
      } finally {
        // The app went away (or a message could not be decoded): stop the upstream call.
        if (!finished) stream.cancel();
      }
    }

    const out = metadataToHeaders(headers);
    return { kind: 'stream', stream: messages(), ...(out ? { headers: out } : {}) };
  }

  return {
    async invoke(call: Call, endpoint: Endpoint): Promise<Reply> {
      const method = methodFor(call);
      // An empty body (the invoke route's `[]`) is the empty message.
      const args = call.args === undefined || (Array.isArray(call.args) && call.args.length === 0) ? {} : call.args;
      const payload = encodeJson(method.requestType, args, loaded.resolve);
      return method.responseStream ? serverStream(call, endpoint, method, payload) : unary(call, endpoint, method, payload);
    },
    forget(endpoint: Endpoint) {
      const client = channels.get(endpoint.id);
      if (!client) return;
      client.close();
      channels.delete(endpoint.id);
      ctx.events?.connection('grpc', endpoint.id, -1);
    },
    async close() {
      for (const [id, client] of channels) {
        client.close();
        ctx.events?.connection('grpc', id, -1);
      }
      channels.clear();
    },
  };
}
