import { Agent } from '../http/agent.js';
import type { Call, Reply } from '../../pipeline/types.js';
import type { Endpoint } from '../../discovery/types.js';
import type { TripleServiceConfig as ServiceConfig } from './schema.js';
import type { ProtocolClient, ProtocolContext } from '../types.js';
import { FerryError } from '../../errors.js';
import { httpFailure } from '../http/errors.js';
import { jsonrpcCarrier as headerCarrier, type JsonRpcHeaders as Headers } from '../jsonrpc/carrier.js';
import { createGrpcClient } from '../grpc/client.js';
import { parseAnswer, requestBody } from './json.js';

const PROTOCOL = 'triple';

/** `{"message":"…","status":"500"}`, Triple's error body; anything else is shown as text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (body && typeof body.message === 'string') return body.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 500);
}

function statusError(status: number, text: string, endpoint: string, where: string): FerryError {
  const message = errorMessage(text);
  const upstream = { protocol: PROTOCOL, endpoint, status, message };
  if (status === 404)
    return new FerryError('FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND', `${endpoint} does not serve ${where}: ${message}`, { upstream });
  if (status === 400 || (status === 500 && /decoding json|parameter/i.test(message)))
    return new FerryError('FERRY_ERR_UPSTREAM_BAD_REQUEST', `${endpoint} could not read the arguments of ${where}: ${message}`, {
      upstream,
    });
  if (status === 503 || status === 429) return new FerryError('FERRY_ERR_UPSTREAM_OVERLOADED', message, { upstream });
  if (status === 504 || status === 408) return new FerryError('FERRY_ERR_UPSTREAM_TIMEOUT', message, { upstream });
  if (status === 500) return new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION', message, { upstream });
  return new FerryError('FERRY_ERR_UPSTREAM_SERVER_ERROR', `${endpoint} answered ${status}: ${message}`, { upstream });
}

/**
 * Triple's HTTP/JSON mode for plain-Java-interface services (no .proto): `POST /{interface}/{method}` with
 * the arguments as JSON, version and group in `tri-service-version` / `tri-service-group`, propagated keys as
 * HTTP headers (the provider reads them as attachments). HTTP/1.1 keep-alive: Triple serves it beside HTTP/2.
 */
export function createTripleJsonClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  const iface = service.interface!;
  const answerLimit = ctx.config.limits.proxyBodyBytes;
  const pool = new Agent({ connections: 64, keepAliveTimeout: 30_000, pipelining: 1, maxResponseSize: answerLimit });
  const fixed: Headers = { 'content-type': 'application/json', accept: 'application/json', 'tri-consumer-appname': ctx.config.application };

  return {
    async invoke(call: Call, endpoint: Endpoint): Promise<Reply> {
      const methods = endpoint.params.methods?.split(',');
      if (methods && !methods.includes(call.method) && !methods.includes('*')) {
        throw new FerryError('FERRY_ERR_METHOD_NOT_FOUND', `provider ${endpoint.id} of ${iface} has no method "${call.method}"`);
      }
      const headers: Headers = {};
      for (const [key, value] of Object.entries(call.outgoing)) headerCarrier.set(headers, key, value);
      Object.assign(headers, fixed);
      headers['x-request-id'] ??= call.requestId;
      const version = endpoint.params.version || service.version;
      const group = endpoint.params.group || service.group;
      if (version) headers['tri-service-version'] = version;
      if (group) headers['tri-service-group'] = group;
      headers['tri-service-timeout'] = String(Math.max(1, call.deadline - Date.now()));
      const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
      const where = `${iface}.${call.method}`;
      let status: number;
      let text: string;
      try {
        const res = await pool.request({
          origin: `http://${host}:${endpoint.port}`,
          path: `/${iface}/${encodeURIComponent(call.method)}`,
          method: 'POST',
          headers,
          body: requestBody(Array.isArray(call.args) ? call.args : call.args === undefined ? [] : [call.args]),
          signal: call.signal,
        });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        throw httpFailure(err, call.signal, endpoint.id, PROTOCOL);
      }
      if (status !== 200) throw statusError(status, text, endpoint.id, where);
      if (text.trim() === '') return { kind: 'value', value: null };
      try {
        return { kind: 'value', value: parseAnswer(text) };
      } catch {
        throw new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', `${endpoint.id} answered ${where} with invalid JSON`, {
          upstream: { protocol: PROTOCOL, endpoint: endpoint.id },
        });
      }
    },
    close: () => pool.close(),
  };
}

/** `protocol: triple`: a service with `proto` is IDL Triple, i.e. gRPC with the tri-* metadata; without, HTTP/JSON. */
export function createTripleClient(service: ServiceConfig, ctx: ProtocolContext): ProtocolClient {
  if (!service.proto) return createTripleJsonClient(service, ctx);
  const triVersion = service.triVersion ?? service.version;
  const triGroup = service.triGroup ?? service.group;
  // an IDL service is a gRPC one: the same fields (the triple schema takes the gRPC ones)
  return createGrpcClient({ ...service, protocol: 'grpc', ...(triVersion ? { triVersion } : {}), ...(triGroup ? { triGroup } : {}) }, ctx);
}
