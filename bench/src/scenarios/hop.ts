import { get } from 'node:http';
import { LOAD_CORE, SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { bareProxyTarget, directTarget, ferryTarget, nginxTarget } from '../lib/targets.js';
import type { Scenario } from './types.js';

const PATH = '/v1/proxy/up/hello';

function spansReceived(sinkUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${sinkUrl}/count`, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve((JSON.parse(body) as { spans: number }).spans));
    }).once('error', reject);
  });
}

/**
 * The cost of one HTTP hop, side by side: the upstream called directly, through nginx, through the smallest
 * fastify + undici proxy, and through Ferry's `/v1/proxy` (its defaults — metrics on; metrics and tracing
 * off; tracing at 10% to a Zipkin sink). Every target is asked the same request bytes (`GET /v1/proxy/up/hello`;
 * the upstream answers any GET with 17 bytes).
 */
export const hopScenario: Scenario = {
  name: 'hop',
  description:
    'one HTTP hop: direct vs nginx vs a bare fastify+undici proxy vs a plain node:http+undici one vs Ferry /v1/proxy ' +
    '(defaults; metrics off; tracing 10% → Zipkin)',
  async setup(options) {
    const upstream = await startServer('http-upstream', SERVICE_CORE);
    // The span sink stands for a collector elsewhere: on the load core, off the target's.
    const sink = await startServer('zipkin-sink', LOAD_CORE);
    const services = `services:\n  up: { protocol: http, endpoints: ["${upstream.url}"] }\n`;
    const hello = (url: string) => ({ url: `${url}${PATH}` });
    const spansBefore = await spansReceived(sink.url);
    return {
      targets: [
        directTarget('direct', upstream, hello),
        nginxTarget('nginx', upstream.url, options, hello),
        bareProxyTarget('bare fastify+undici proxy', upstream.url, hello),
        bareProxyTarget('plain node:http+undici proxy', upstream.url, hello, 'plain-proxy.js'),
        ferryTarget('ferry defaults', services, options, hello),
        ferryTarget('ferry metrics off', `metrics: { enabled: false }\n${services}`, options, hello),
        ferryTarget(
          'ferry tracing 10%',
          `tracing: { enabled: true, sampleRatio: 0.1, exporter: zipkin, endpoint: "${sink.url}/api/v2/spans" }\n${services}`,
          options,
          hello,
        ),
      ],
      throughputBaseline: 'nginx',
      latencyBaseline: 'direct',
      async afterword() {
        const spans = (await spansReceived(sink.url)) - spansBefore;
        return `The Zipkin sink received ${spans.toLocaleString('en-US')} spans (2 per sampled request, 10% sampled).`;
      },
      async stop() {
        await sink.stop();
        await upstream.stop();
      },
    };
  },
};
