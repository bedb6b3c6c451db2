import { SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { bareProxyTarget, directTarget, ferryTarget } from '../lib/targets.js';
import { driven } from '../load/driven.js';
import type { Scenario, Target } from './types.js';

const BATCH = 10;
const ENVELOPE = { jsonrpc: '2.0', method: 'add', params: [20, 22], id: 1 };
const post = (path: string, body: unknown) => (url: string) => ({
  url: `${url}${path}`,
  method: 'POST' as const,
  body: JSON.stringify(body),
});

/** A jayson JSON-RPC 2.0 server as the upstream, and the two targets built on it. */
async function jsonrpc(targets: (upstream: Awaited<ReturnType<typeof startServer>>, services: string) => Target[]) {
  const upstream = await startServer('jsonrpc-upstream', SERVICE_CORE, [], 'tcp');
  const services = `services:\n  calc: { protocol: jsonrpc, endpoints: ["${upstream.url}"] }\n`;
  return { targets: targets(upstream, services), stop: () => upstream.stop() };
}

export const jsonrpcScenario: Scenario = {
  name: 'jsonrpc',
  description:
    'JSON-RPC 2.0 call (jayson server): a jayson client vs Ferry /v1/invoke vs the bare proxy passing the envelope, ' +
    'the same load loop for all; ' +
    'and wrk posting the envelope to the server vs Ferry (the server alone, no client library)',
  setup: async (options) => ({
    // "÷ direct" is against the client library, as in the gRPC scenario
    throughputBaseline: 'direct (jayson client)',
    latencyBaseline: 'direct (jayson client)',
    ...(await jsonrpc((upstream, services) => [
      driven(directTarget('direct (jayson client)', upstream), () => ({
        kind: 'jsonrpc',
        target: `${upstream.url}/`,
        body: JSON.stringify({ method: 'add', params: [20, 22] }),
      })),
      driven(ferryTarget('ferry /v1/invoke (load loop)', services, options), (url) => ({
        kind: 'http',
        target: url,
        path: '/v1/invoke/calc/add',
        body: '[20,22]',
      })),
      // The floor for any Node hop in front of this server: the bench's bare proxy passing the envelope through.
      driven(bareProxyTarget('bare fastify+undici proxy (load loop)', upstream.url, post('/v1/proxy/up/', ENVELOPE)), (url) => ({
        kind: 'http',
        target: url,
        path: '/v1/proxy/up/',
        body: JSON.stringify(ENVELOPE),
      })),
      directTarget('server only (wrk posting the envelope)', upstream, post('/', ENVELOPE)),
      ferryTarget('ferry /v1/invoke (wrk)', services, options, post('/v1/invoke/calc/add', [20, 22])),
    ])),
  }),
};

export const jsonrpcBatchScenario: Scenario = {
  name: 'jsonrpc-batch',
  description: `JSON-RPC 2.0 batch of ${BATCH} calls (jayson server): direct vs Ferry /v1/batch`,
  setup: (options) =>
    jsonrpc((upstream, services) => [
      directTarget(
        `direct batch of ${BATCH}`,
        upstream,
        post(
          '/',
          Array.from({ length: BATCH }, (_, i) => ({ jsonrpc: '2.0', method: 'add', params: [i, 1], id: i + 1 })),
        ),
      ),
      ferryTarget(
        `ferry /v1/batch of ${BATCH}`,
        services,
        options,
        post(
          '/v1/batch/calc',
          Array.from({ length: BATCH }, (_, i) => ({ method: 'add', params: [i, 1] })),
        ),
      ),
    ]),
};
