import { get, type ClientRequest } from 'node:http';
import { SERVICE_CORE } from '../lib/pinning.js';
import { startServer } from '../lib/processes.js';
import { ferryTarget, type FerryTarget } from '../lib/targets.js';
import type { Scenario, Target } from './types.js';

const PATH = '/v1/proxy/up/hello';

/** Ferry with a console page open the whole time: an SSE client on `/admin/v1/events` (a graph a second). */
function withPageOpen(target: FerryTarget, name: string): Target {
  return {
    name,
    ...(target.request ? { request: target.request } : {}),
    async start() {
      const running = await target.start();
      let events = 0;
      let page: ClientRequest | undefined;
      await new Promise<void>((resolve, reject) => {
        page = get(`${running.adminUrl}/admin/v1/events`, (res) => {
          res.on('data', () => events++);
          resolve();
        }).once('error', reject);
      });
      return {
        ...running,
        async stop() {
          page?.destroy();
          if (events === 0) throw new Error('the console page received no events');
          await running.stop();
        },
      };
    },
  };
}

/**
 * What the console costs: the same HTTP hop (`/v1/proxy`) through Ferry with the console off (`admin.console.enabled:
 * false`), on with no page open (the default: its observe stages count every call), and on with a page open
 * (the live feed builds a graph a second). Idle RSS, CPU per request, latency and max throughput, same run.
 */
export const consoleScenario: Scenario = {
  name: 'console',
  description: 'the console\'s cost on one HTTP hop: console off vs on (no page open) vs on with a page open (SSE)',
  async setup(options) {
    const upstream = await startServer('http-upstream', SERVICE_CORE);
    const services = `services:\n  up: { protocol: http, endpoints: ["${upstream.url}"] }\n`;
    const hello = (url: string) => ({ url: `${url}${PATH}` });
    return {
      targets: [
        ferryTarget('ferry console off', `admin: { console: { enabled: false } }\n${services}`, options, hello),
        ferryTarget('ferry console on, no page open', services, options, hello),
        withPageOpen(ferryTarget('ferry console on, page open', services, options, hello), 'ferry console on, page open'),
      ],
      throughputBaseline: 'ferry console off',
      latencyBaseline: 'ferry console off',
      stop: () => upstream.stop(),
    };
  },
};
