import { status as Status } from '@grpc/grpc-js';
import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint } from '../../discovery/types.js';
import type { GrpcServiceConfig as ServiceConfig } from './schema.js';
import type { ProtocolClient, ProtocolContext } from '../types.js';
import { FerryError } from '../../errors.js';
import { metadataToHeaders } from './carrier.js';
import { decodeToJson, encodeJson } from './json.js';
import { loadService, type GrpcMethod, type LoadedService } from './loader.js';
import { grpcFailure, type StatusLike } from './status.js';
import { GrpcConnection } from './connection.js';
import { GrpcCall, frame, requestHeaders } from './call.js';

/**
 * `protocol: grpc`. One HTTP/2 connection per endpoint, opened on first use and reused by every call until
 * the endpoint leaves discovery. Ferry speaks the gRPC wire protocol itself on node:http2 (grpc-js's client
 * stack cost twice a bare HTTP/2 call per request): unary calls answer JSON; server-streaming calls answer
 * `Reply.stream`, one message per NDJSON line as it arrives. The call's deadline is the gRPC deadline.
 */
export function createGrpcClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  const loaded: LoadedService = loadService(service);
  const connections = new Map<string, GrpcConnection>();
  const maxBytes = ctx.config.limits.proxyBodyBytes;
  const triVersion = service.triVersion ?? service.version;
  const triGroup = service.triGroup ?? service.group;
  // Dubbo triple's service version and group: the same metadata on every call
  const fixedMetadata: Record<string, string> = {
    ...(triVersion ? { 'tri-service-version': triVersion } : {}),
    ...(triGroup ? { 'tri-service-group': triGroup } : {}),
  };

  function connection(endpoint: Endpoint): GrpcConnection {
    let found = connections.get(endpoint.id);
    if (!found) {
      found = new GrpcConnection(endpoint, service.tls);
      connections.set(endpoint.id, found);
      ctx.events?.connection('grpc', endpoint.id, 1);
    }
    return found;
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

  /** The call's stream, request sent; FERRY errors for what never reached the server. */
  function start(call: Call, endpoint: Endpoint, method: GrpcMethod, payload: Buffer): GrpcCall {
    if (payload.length > maxBytes)
      throw grpcFailure(
        { code: Status.RESOURCE_EXHAUSTED, details: `Sent message larger than max (${payload.length} vs. ${maxBytes})` },
        endpoint.id,
        loaded.resolve,
      );
    const link = connection(endpoint);
    let stream;
    try {
      stream = link.request(requestHeaders(method.path, link.authority, call.deadline, call.outgoing, call.requestId, fixedMetadata));
    } catch (err) {
      throw grpcFailure({ code: Status.UNAVAILABLE, details: (err as Error).message }, endpoint.id, loaded.resolve);
    }
    const grpcCall = new GrpcCall(stream, maxBytes);
    stream.end(frame(payload));
    return grpcCall;
  }

  /** One message each way; a stream the server refused unprocessed (a GOAWAY crossed it) is sent once more, as grpc-js does. */
  function unary(call: Call, endpoint: Endpoint, method: GrpcMethod, payload: Buffer): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const attempt = (resend: boolean) => {
        let grpcCall: GrpcCall;
        try {
          grpcCall = start(call, endpoint, method, payload);
        } catch (err) {
          return reject(err);
        }
        const stream = grpcCall.stream;
        let message: Buffer | undefined;
        const onAbort = () => grpcCall.cancel();
        stream.on('data', (chunk: Buffer) => {
          for (const m of grpcCall.messages(chunk)) {
            if (message) grpcCall.cancel({ code: Status.UNIMPLEMENTED, details: 'Too many responses received' });
            else message = m;
          }
        });
        stream.once('close', () => {
          call.signal.removeEventListener('abort', onAbort);
          if (resend && grpcCall.refused && !call.signal.aborted) return attempt(false);
          let status = grpcCall.status();
          if (status.code === Status.OK && !message) {
            status = { code: Status.UNIMPLEMENTED, details: 'No message received', metadata: status.metadata };
          }
          if (status.code !== Status.OK) return reject(grpcFailure(status, endpoint.id, loaded.resolve, call.signal));
          try {
            const out = metadataToHeaders(grpcCall.headers, grpcCall.trailers);
            resolve({ kind: 'value', value: decode(method, message!, endpoint), ...(out ? { headers: out } : {}) });
          } catch (error) {
            reject(error);
          }
        });
        if (call.signal.aborted) onAbort();
        else call.signal.addEventListener('abort', onAbort, { once: true });
      };
      attempt(true);
    });
  }

  /**
   * Waits for the first message (or the end, or the failure) before answering, so a call that fails at
   * once gets a real HTTP error status; after that each message is handed on as it arrives, with HTTP/2
   * flow control as back-pressure. The app going away cancels the call. A stream the server refused
   * unprocessed is sent once more, as a unary call's is.
   */
  async function serverStream(call: Call, endpoint: Endpoint, method: GrpcMethod, payload: Buffer, resend = true): Promise<Reply> {
    const grpcCall = start(call, endpoint, method, payload);
    const stream = grpcCall.stream;
    const closed = new Promise<void>((resolve) => stream.once('close', resolve));
    const onAbort = () => grpcCall.cancel();
    if (call.signal.aborted) onAbort();
    else call.signal.addEventListener('abort', onAbort, { once: true });

    async function* frames(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of stream) yield* grpcCall.messages(chunk as Buffer);
      } catch {
        // the status says why (read below, once the stream closed)
      }
      await closed;
      const status: StatusLike = grpcCall.status();
      if (status.code !== Status.OK) throw status;
    }

    const iterator = frames();
    let first: IteratorResult<Buffer>;
    try {
      first = await iterator.next();
    } catch (err) {
      if (resend && grpcCall.refused && !call.signal.aborted) return serverStream(call, endpoint, method, payload, false);
      throw grpcFailure(err as StatusLike, endpoint.id, loaded.resolve, call.signal);
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
            throw grpcFailure(err as StatusLike, endpoint.id, loaded.resolve);
          }
        }
      } finally {
        // The app went away (or a message could not be decoded): stop the upstream call.
        if (!finished) grpcCall.cancel();
      }
    }

    const out = metadataToHeaders(grpcCall.headers);
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
      const found = connections.get(endpoint.id);
      if (!found) return;
      found.close();
      connections.delete(endpoint.id);
      ctx.events?.connection('grpc', endpoint.id, -1);
    },
    async close() {
      for (const [id, found] of connections) {
        found.close();
        ctx.events?.connection('grpc', id, -1);
      }
      connections.clear();
    },
  };
}
