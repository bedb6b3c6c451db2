import { fileURLToPath } from 'node:url';
import { LOAD_CORE, SERVICE_CORE } from '../lib/pinning.js';
import { freePort, launch, type Running } from '../lib/processes.js';
import { directTarget, ferryTarget } from '../lib/targets.js';
import type { Scenario } from './types.js';

/** The Spring Cloud peers of examples/spring-cloud (built by `npm test`'s provision step, or `mvn -q package` there). */
const PEERS = new URL('../../../../examples/spring-cloud/', import.meta.url);
const EUREKA_JAR = fileURLToPath(new URL('eureka-server/target/ferry-eureka-server.jar', PEERS));
const SPRING_JAR = fileURLToPath(new URL('spring-service/target/ferry-spring-service.jar', PEERS));
const JVM = ['-Xmx256m', '-XX:+UseSerialGC'];
const APP = 'spring-orders';
const PATH = '/hello?name=ferry';

async function untilUp(eurekaUrl: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const url = `${eurekaUrl}/eureka/apps/${APP.toUpperCase()}`;
    const res = await fetch(url, { headers: { accept: 'application/json' } }).catch(() => undefined);
    if (res?.ok && (await res.text()).includes('"status":"UP"')) return;
    if (Date.now() > until) throw new Error(`${APP} not UP in Eureka within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Ferry → a Spring Boot service found by its Eureka name, against the same service called directly and through
 * Ferry with a static endpoint: what finding it in Eureka costs per call (nothing is awaited on the request path;
 * the registry is fetched in the background). Real peers: a Spring Cloud Netflix Eureka server (on the load core,
 * as a registry elsewhere would be) and the Spring service (on the targets' core, like any upstream).
 */
export const eurekaScenario: Scenario = {
  name: 'eureka',
  description: 'Ferry /v1/proxy to a Spring Boot service found by Eureka app name vs a static endpoint vs the service called directly',
  async setup(options) {
    const eurekaPort = await freePort();
    const eurekaUrl = `http://127.0.0.1:${eurekaPort}`;
    const eureka = await launch('java', [...JVM, '-jar', EUREKA_JAR, `--server.port=${eurekaPort}`], {
      cpu: LOAD_CORE,
      ready: { url: `${eurekaUrl}/eureka/apps` },
      timeoutMs: 180_000,
    });
    let spring: Running | undefined;
    try {
      const port = await freePort();
      const args = [`--server.port=${port}`, `--spring.application.name=${APP}`];
      args.push(`--eureka.client.service-url.defaultZone=${eurekaUrl}/eureka/`);
      spring = await launch('java', [...JVM, '-jar', SPRING_JAR, ...args], {
        cpu: SERVICE_CORE,
        ready: { url: `http://127.0.0.1:${port}${PATH}` },
        timeoutMs: 180_000,
      });
      await untilUp(eurekaUrl, 60_000);
      const upstream = { ...spring, url: `http://127.0.0.1:${port}` };
      const hello = (url: string) => ({ url: `${url}/v1/proxy/orders${PATH}` });
      const byName = [
        'registries:',
        `  eu: { type: eureka, serviceUrls: ["${eurekaUrl}/eureka/"] }`,
        'services:',
        `  orders: { protocol: http, registry: eu, app: ${APP} }`,
        '',
      ].join('\n');
      const stopSpring = spring;
      return {
        targets: [
          directTarget('direct', upstream, (url) => ({ url: `${url}${PATH}` })),
          ferryTarget('ferry static endpoint', `services:\n  orders: { protocol: http, endpoints: ["${upstream.url}"] }\n`, options, hello),
          ferryTarget('ferry by Eureka name', byName, options, hello),
        ],
        latencyBaseline: 'direct',
        throughputBaseline: 'direct',
        async stop() {
          await stopSpring.stop();
          await eureka.stop();
        },
      };
    } catch (err) {
      await spring?.stop();
      await eureka.stop();
      throw err;
    }
  },
};
