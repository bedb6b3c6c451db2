import { HEADERS } from '@ferry/sdk/contract';
import { Agent } from '../http/agent.js';
import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint } from '../../discovery/types.js';
import type { JsonRpcServiceConfig as ServiceConfig } from './schema.js';
import type { ProtocolClient, ProtocolContext } from '../types.js';
import { FerryError } from '../../errors.js';
import { httpFailure } from '../http/errors.js';
import { exchange } from '../http/answer.js';
import { perAddress } from '../per-address.js';
import { applyOutgoing } from '../carrier-util.js';
import { jsonrpcCarrier, type JsonRpcHeaders } from './carrier.js';
import {
  batchAnswers,
  buildRequest,
  httpStatusError,
  JsonRpcBatch,
  nextId,
  parseAnswer,
  requestText,
  resultOf,
  toParams,
  type BatchItem,
} from './codec.js';

export function batchOf(call: Call): readonly BatchItem[] | undefined {
  return call.args instanceof JsonRpcBatch ? call.args.items : undefined;
}

/**
 * Where a JSON-RPC endpoint listens. Static endpoints are the configured URLs. Registry endpoints
 * (`jsonrpc://host:port/com.example.Api?...`) are `http://host:port` + the service's `path`, or the
 * provider URL's own path, or `/{interface}` (what Dubbo's jsonrpc protocol serves).
 */
export function endpointUrl(endpoint: Endpoint, service: ServiceConfig): URL {
  const fromRegistry = !service.endpoints;
  let url: URL;
  if (/^https?:\/\//.test(endpoint.address)) url = new URL(endpoint.address);
  else {
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    url = new URL(`http://${host}:${endpoint.port}/${service.interface ?? ''}`);
  }
  if (fromRegistry && service.path) url.pathname = service.path.startsWith('/') ? service.path : `/${service.path}`;
  return url;
}

/** Reads a body as text, refusing more than `limit` bytes. */
async function readText(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, limit: number, endpoint: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new FerryError('FERRY_ERR_UPSTREAM_TOO_LARGE', `JSON-RPC answer exceeds ${limit} bytes`, {
        upstream: { protocol: 'jsonrpc', endpoint },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `protocol: jsonrpc`: JSON-RPC 2.0 over HTTP POST. A call is one Request with an id Ferry owns; a batch
 * (from the batch route) is one array; a one-way call is a notification, sent without waiting for it.
 */
export function createJsonRpcClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  const answerLimit = ctx.config.limits.proxyBodyBytes;
  const logger = ctx.logger;
  // One keep-alive pool per origin for this service, closed with it (a config reload builds a new one).
  const pool = new Agent({ connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });

  const targetOf = perAddress((endpoint: Endpoint) => {
    const url = endpointUrl(endpoint, service);
    return { origin: url.origin, path: url.pathname + url.search };
  });

  function headersFor(call: Call): JsonRpcHeaders {
    const headers = applyOutgoing<JsonRpcHeaders>(jsonrpcCarrier, {}, call.outgoing);
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json';
    headers['x-request-id'] ??= call.requestId;
    // the time left (see the HTTP client): the upstream bounds its own work by it
    headers[HEADERS.timeout] = String(Math.max(1, call.deadline - Date.now()));
    return headers;
  }

  /** Fire and forget: the app is answered 202 at once; a failure is only logged (the app chose not to wait). */
  function notify(call: Call, url: { origin: string; path: string }, body: string): Reply {
    const remaining = Math.max(1, call.deadline - Date.now());
    pool
      .request({
        origin: url.origin,
        path: url.path,
        method: 'POST',
        headers: headersFor(call),
        body,
        signal: AbortSignal.timeout(remaining),
      })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 300)
          logger.warn({ service: call.service, method: call.method, status: res.statusCode }, 'JSON-RPC notification refused');
      })
      .catch((err: unknown) =>
        logger.warn({ service: call.service, method: call.method, err: (err as Error).message }, 'JSON-RPC notification failed'),
      );
    return { kind: 'accepted' };
  }

  return {
    async invoke(call: Call, endpoint: Endpoint): Promise<Reply> {
      const url = targetOf(endpoint);
      const batch = batchOf(call);
      let ids: Array<number | undefined> = [];
      let id = 0;
      let body: string;
      if (batch) {
        ids = batch.map((item) => (item.notification || call.oneWay ? undefined : nextId()));
        body = JSON.stringify(batch.map((item, i) => buildRequest(item.method, item.params, ids[i])));
        if (call.oneWay) return notify(call, url, body);
      } else {
        // the args checked as params (a clear error before anything is sent), then sent as the app wrote them
        const params = toParams(call.args);
        if (call.oneWay) return notify(call, url, requestText(call.method, params, call.argsJson));
        id = nextId();
        body = requestText(call.method, params, call.argsJson, id);
      }

      let text: string;
      let statusCode: number;
      try {
        // An answer of known size within the limit comes whole, as the HTTP client's; any other is read as it streams.
        const request = { origin: url.origin, path: url.path, method: 'POST' as const, headers: headersFor(call), body };
        const res = await exchange(pool, request, call.signal, answerLimit);
        statusCode = res.statusCode;
        text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : await readText(res.body, answerLimit, endpoint.id);
      } catch (err) {
        throw httpFailure(err, call.signal, endpoint.id, 'jsonrpc');
      }

      const empty = text.trim() === '';
      if (batch) {
        if (empty && statusCode < 300) return { kind: 'value', value: batchAnswers(undefined, ids, endpoint.id) };
        const answer = parseAnswerOr(text, statusCode, endpoint.id);
        return { kind: 'value', value: batchAnswers(answer, ids, endpoint.id) };
      }
      if (empty && statusCode < 300) {
        throw new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', 'invalid JSON-RPC answer: an empty body answered a call with an id', {
          upstream: { protocol: 'jsonrpc', status: statusCode, endpoint: endpoint.id },
        });
      }
      const answer = parseAnswerOr(text, statusCode, endpoint.id);
      try {
        return { kind: 'value', value: resultOf(answer, id, endpoint.id) };
      } catch (err) {
        // A non-2xx answer that is not a JSON-RPC Response says more through its HTTP status.
        if (statusCode >= 300 && err instanceof FerryError && err.code === 'FERRY_ERR_UPSTREAM_PROTOCOL')
          throw httpStatusError(statusCode, endpoint.id, text);
        throw err;
      }
    },
    close: () => pool.close(),
  };
}

/** JSON-RPC servers answer errors with 200 or 4xx/5xx alike; a body that is not JSON is judged by the status. */
function parseAnswerOr(text: string, statusCode: number, endpoint: string): unknown {
  try {
    return parseAnswer(text, endpoint);
  } catch (err) {
    if (statusCode >= 300) throw httpStatusError(statusCode, endpoint, text);
    throw err;
  }
}
