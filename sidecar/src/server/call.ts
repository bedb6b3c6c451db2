import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS } from '@ferry/sdk/contract';
import { cancel, cancellableSignal } from '../pipeline/cancel.js';
import type { Call } from '../pipeline/types.js';
import type { RouteHandle } from '../protocols/types.js';

type Route = Pick<RouteHandle, 'name' | 'timeoutMs' | 'config' | 'timeoutFor'>;
import { serverSpanContext } from './tracing-hooks.js';

/** The call's deadline: the service's timeout, shortened (never lengthened) by the app's header. */
export function deadlineFor(route: Route, request: FastifyRequest, methodTimeoutMs?: number): number {
  let timeout = methodTimeoutMs ?? route.timeoutMs;
  const asked = Number(request.headers[HEADERS.timeout]);
  if (Number.isFinite(asked) && asked > 0) timeout = Math.min(timeout, asked);
  return Date.now() + timeout;
}

/** The call's one signal (pipeline/cancel.ts): aborted when the app disconnects before its answer is complete, or at the deadline. */
export function appGoneSignal(reply: FastifyReply): AbortSignal {
  const signal = cancellableSignal();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) cancel(signal, new Error('the app closed the connection'));
  });
  return signal;
}

export function buildCall(
  request: FastifyRequest,
  reply: FastifyReply,
  route: Route,
  method: string,
  args: unknown,
  argsJson?: string,
): Call {
  // Every field present from the start (undefined when unused): the routes set `http`/`signature`, each attempt
  // copies the call with its endpoint, and one object shape throughout keeps those copies on V8's fast path.
  return {
    service: route.name,
    method,
    args,
    argsJson,
    incomingHeaders: request.headers,
    outgoing: attachmentsAsked(request.headers),
    deadline: deadlineFor(route, request, route.timeoutFor ? route.timeoutFor(method) : route.config.methods?.[method]?.timeoutMs),
    signal: appGoneSignal(reply),
    oneWay: request.headers[HEADERS.oneWay] === 'true',
    requestId: String(request.id ?? randomUUID()),
    attempt: 0,
    endpoint: undefined,
    http: undefined,
    trace: serverSpanContext(request),
    signature: undefined,
  };
}

/** `x-ferry-attach-foo: bar` sends `foo: bar` upstream explicitly, whatever the allow-list says. */
function attachmentsAsked(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && name.startsWith(HEADERS.attachmentPrefix)) {
      out[name.slice(HEADERS.attachmentPrefix.length)] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}
