import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS } from '@ferry/sdk/contract';
import { cancel, cancellableSignal } from '../pipeline/cancel.js';
import type { Call } from '../pipeline/types.js';
import type { LocalRequest, RouteHandle } from '../protocols/types.js';
import { serverSpanContext } from './tracing-hooks.js';

type Route = Pick<RouteHandle, 'name' | 'timeoutMs' | 'config' | 'timeoutFor'>;

/** The call's deadline: the service's timeout, shortened (never lengthened) by the app's header. */
function deadlineFor(route: Route, headers: IncomingHttpHeaders, methodTimeoutMs?: number): number {
  let timeout = methodTimeoutMs ?? route.timeoutMs;
  const asked = Number(headers[HEADERS.timeout]);
  if (Number.isFinite(asked) && asked > 0) timeout = Math.min(timeout, asked);
  return Date.now() + timeout;
}

/** The call's one signal (pipeline/cancel.ts): aborted when the app disconnects before its answer is complete, or at the deadline. */
function appGoneSignal(res: ServerResponse): AbortSignal {
  const signal = cancellableSignal();
  res.once('close', () => {
    if (!res.writableFinished) cancel(signal, new Error('the app closed the connection'));
  });
  return signal;
}

/** A fastify route's request as calls are made from it. */
export function fromFastify(request: FastifyRequest, reply: FastifyReply): LocalRequest {
  return { headers: request.headers, id: String(request.id), res: reply.raw, trace: serverSpanContext(request.raw) };
}

export function buildCall(request: LocalRequest, route: Route, method: string, args: unknown, argsJson?: string): Call {
  const { headers } = request;
  // Every field present from the start (undefined when unused): the routes set `http`/`signature`, each attempt
  // copies the call with its endpoint, and one object shape throughout keeps those copies on V8's fast path.
  return {
    service: route.name,
    method,
    args,
    argsJson,
    incomingHeaders: headers,
    outgoing: attachmentsAsked(headers),
    deadline: deadlineFor(route, headers, route.timeoutFor ? route.timeoutFor(method) : route.config.methods?.[method]?.timeoutMs),
    signal: appGoneSignal(request.res),
    oneWay: headers[HEADERS.oneWay] === 'true',
    requestId: request.id,
    attempt: 0,
    endpoint: undefined,
    http: undefined,
    trace: request.trace,
    signature: undefined,
  };
}

/** `x-ferry-attach-foo: bar` sends `foo: bar` upstream explicitly, whatever the allow-list says. */
function attachmentsAsked(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && name.startsWith(HEADERS.attachmentPrefix)) {
      out[name.slice(HEADERS.attachmentPrefix.length)] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}
