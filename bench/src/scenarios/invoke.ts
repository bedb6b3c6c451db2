import { SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { directTarget, ferryTarget } from '../lib/targets.js';
import type { Scenario } from './types.js';

const BODY = JSON.stringify({ hello: 'world' });

/** `/v1/invoke` (JSON in, JSON out, the call model) against `/v1/proxy` (streamed pass-through) on the same POST. */
export const invokeScenario: Scenario = {
  name: 'invoke',
  description: 'HTTP POST of 17 bytes of JSON echoed by the upstream: direct vs Ferry /v1/proxy vs Ferry /v1/invoke',
  async setup(options) {
    const upstream = await startServer('http-upstream', SERVICE_CORE);
    const services = `services:\n  up: { protocol: http, endpoints: ["${upstream.url}"] }\n`;
    const post = (path: string) => (url: string) => ({ url: `${url}${path}`, method: 'POST' as const, body: BODY });
    return {
      targets: [
        directTarget('direct', upstream, post('/echo')),
        ferryTarget('ferry /v1/proxy', services, options, post('/v1/proxy/up/echo')),
        ferryTarget('ferry /v1/invoke', services, options, post('/v1/invoke/up/echo')),
      ],
      throughputBaseline: 'ferry /v1/proxy',
      latencyBaseline: 'direct',
      stop: () => upstream.stop(),
    };
  },
};
