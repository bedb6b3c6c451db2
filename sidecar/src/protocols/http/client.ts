import { Agent } from './agent.js';
import { HEADERS } from '@ferry/sdk/contract';
import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint } from '../../discovery/types.js';
import type { ProtocolClient } from '../types.js';
import { endToEnd } from './headers.js';
import { httpCarrier, type HttpHeaders } from './carrier.js';
import { httpFailure } from './errors.js';
import { exchange as send } from './answer.js';
import { perAddress } from '../per-address.js';
import { applyOutgoing } from '../carrier-util.js';
import { copyHeaders } from '../../pipeline/propagation.js';

const SMALL_BODY_BYTES = 64 * 1024;

export interface HttpClientOptions {
  /** Keep the answers' `x-ferry-*` headers (the app answering an inbound call: `x-ferry-attach-*`). */
  ferryAnswerHeaders?: boolean;
}

/**
 * `protocol: http`. A pass-through call forwards method, path, headers and the body stream as they came;
 * an invoke call is `POST {endpoint}/{method}` with the JSON arguments (the app's text as it came). Either way the upstream's answer
 * (status, end-to-end headers, streamed body) goes back to the app as it is.
 */
export function createHttpClient(options: HttpClientOptions = {}): ProtocolClient {
  const keepFerry = options.ferryAnswerHeaders ?? false;
  const targetOf = perAddress((endpoint: Endpoint) => {
    const url = new URL(endpoint.address);
    return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
  });
  // One keep-alive pool per origin for this service, closed with it (a config reload builds a new one).
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
  return {
    async invoke(call: Call, endpoint: Endpoint): Promise<Reply> {
      const { origin, basePath } = targetOf(endpoint);
      const exchange = call.http;
      const headers: HttpHeaders = exchange ? copyHeaders(exchange.headers) : { 'content-type': 'application/json' };
      applyOutgoing(httpCarrier, headers, call.outgoing);
      headers['x-request-id'] ??= call.requestId;
      // the time left, as Envoy's x-envoy-expected-rq-timeout-ms: a Ferry (or an app) upstream bounds its own calls by it
      headers[HEADERS.timeout] = String(Math.max(1, call.deadline - Date.now()));
      try {
        const res = await send(
          agent,
          {
            origin,
            path: basePath + (exchange ? exchange.path : `/${encodeURIComponent(call.method)}`),
            method: (exchange?.method ?? 'POST') as 'POST',
            headers,
            body: exchange ? exchange.body ?? null : call.argsJson ?? JSON.stringify(call.args ?? null),
          },
          call.signal,
          // Small answers of known size are read whole: one write to the app instead of a stream pipeline.
          SMALL_BODY_BYTES,
        );
        return { kind: 'http', statusCode: res.statusCode, headers: endToEnd(res.headers, false, keepFerry), body: res.body };
      } catch (err) {
        throw httpFailure(err, call.signal, endpoint.id);
      }
    },
    close: () => agent.close(),
  };
}
