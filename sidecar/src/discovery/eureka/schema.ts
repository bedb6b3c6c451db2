import { bool, dflt, dict, join, list, num, obj, oneOf, opt, str, type Infer } from '../../config/dsl.js';
import { isUrl } from '../../config/service.js';

/** `registries.<name>` with `type: eureka`. */
export const eurekaSchema = obj({
  type: oneOf(['eureka'] as const),
  /**
   * Eureka service URLs (Spring's `defaultZone` list), e.g. `http://eureka-1:8761/eureka/`, tried in order with
   * failover; `user:password@` in a URL is its basic auth.
   */
  serviceUrls: list(str((v) => isUrl(v, ['http', 'https'])), { min: 1 }),
  /** Basic auth for the URLs that carry none (env `FERRY_REGISTRIES__<NAME>__PASSWORD`, from a Secret). */
  username: opt(str()),
  password: opt(str()),
  /**
   * Registry fetch interval (deltas; a full fetch when one does not reconcile): the bound on how long a status
   * change or a removal takes to reach Ferry, plus the server's response cache (30 s by default).
   */
  refreshMs: dflt(num({ int: true, min: 500, max: 300_000 }), 30_000),
  /** Per request and server. */
  timeoutMs: dflt(num({ int: true, min: 100 }), 5000),
  /** Dial an instance's `ipAddr` rather than its `hostName` (Spring's clients dial `hostName`). */
  preferIpAddress: dflt(bool(), false),
  /** The app's own instance, when `inbound.app.register` names this registry. */
  instance: obj(
    {
      /** Default `{advertiseHost}:{application}:{port}` (Spring's shape). */
      instanceId: opt(str()),
      /** Default: `application` in lower case (what Spring's load balancer looks up). */
      vipAddress: opt(str()),
      /** Heartbeat interval; Eureka's clients use 30 s. */
      renewalIntervalMs: dflt(num({ int: true, min: 1000 }), 30_000),
      /** How long Eureka keeps the instance without heartbeats. */
      leaseDurationMs: dflt(num({ int: true, min: 1000 }), 90_000),
      /** How an unhealthy app is shown: its own `DOWN`, or an `OUT_OF_SERVICE` override. Callers skip both. */
      unhealthyStatus: dflt(oneOf(['DOWN', 'OUT_OF_SERVICE'] as const), 'DOWN'),
      /** Instance metadata (`zone`, `version`…): what callers' balancers read. */
      metadata: dflt(dict(str()), {}),
    },
    (i, path, issues) => {
      if (i.leaseDurationMs <= i.renewalIntervalMs) {
        issues.push({ path: join(path, 'leaseDurationMs'), message: 'must exceed renewalIntervalMs' });
      }
    },
  ),
});

export type EurekaConfig = Infer<typeof eurekaSchema>;
