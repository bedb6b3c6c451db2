/**
 * The app's instance in Eureka, kept there the way Eureka's Java client keeps its own: registered, renewed
 * every `renewalIntervalMs`, registered again whenever a renewal is refused (Eureka restarted, or evicted the
 * lease while it was unreachable), and deregistered on close.
 *
 * Health: `setHealthy(false)` shows the instance as `DOWN` (its own status, re-registered at once: Eureka
 * honours an instance's DOWN over everything but keeps an operator's OUT_OF_SERVICE when it comes back UP) or
 * as `OUT_OF_SERVICE` (a status override, which an instance's own UP cannot lift; removed on recovery).
 * Eureka's clients skip both.
 */
import type { Logger } from '../../observability/logger.js';
import type { EurekaHttp } from './http.js';
import { appKey, type EurekaInstance, type EurekaStatus } from './instance.js';

export interface EurekaRegistrationOptions {
  http: EurekaHttp;
  /** Application name (Eureka upper-cases it). */
  app: string;
  /** The address callers dial (pod IP): written as both `hostName` and `ipAddr`, as Spring's `prefer-ip-address` does. */
  host: string;
  port: number;
  /** Default `{host}:{app}:{port}` (Spring's is `{hostname}:{spring.application.name}:{port}`). */
  instanceId?: string;
  /** Default: the app name in lower case (what Spring clients look up). */
  vipAddress?: string;
  metadata?: Record<string, string>;
  /** Heartbeat interval (default 30000). */
  renewalIntervalMs?: number;
  /** Lease Eureka grants without heartbeats (default 90000). */
  leaseDurationMs?: number;
  /** `healthCheckUrl` / `statusPageUrl` shown in Eureka's records. */
  healthCheckUrl?: string;
  statusPageUrl?: string;
  /** How an unhealthy app is shown (default DOWN). */
  unhealthyStatus?: 'DOWN' | 'OUT_OF_SERVICE';
  /** Status of the first registration before any health verdict (default UP; STARTING while a health probe has not passed yet). */
  initialStatus?: 'UP' | 'STARTING';
  logger?: Logger;
}

export type RegistrationState = 'UP' | 'STARTING' | 'DOWN' | 'OUT_OF_SERVICE';

export class EurekaRegistration {
  readonly app: string;
  readonly instanceId: string;
  readonly #opts: EurekaRegistrationOptions;
  readonly #renewalMs: number;
  /** What the instance should look like in Eureka. */
  #state: RegistrationState;
  /** What was last sent (undefined: Eureka may not know the instance). */
  #sent: RegistrationState | undefined;
  #lastDirty = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #failing = false;
  #firstAttempt: Promise<void>;

  constructor(opts: EurekaRegistrationOptions) {
    this.#opts = opts;
    this.app = appKey(opts.app);
    this.instanceId = opts.instanceId ?? `${opts.host}:${opts.app.toLowerCase()}:${opts.port}`;
    this.#renewalMs = opts.renewalIntervalMs ?? 30_000;
    this.#state = opts.initialStatus ?? 'UP';
    this.#firstAttempt = this.#sync();
  }

  /** Resolves after the first registration attempt (Eureka away: it goes on retrying at each renewal). */
  started(): Promise<void> {
    return this.#firstAttempt;
  }

  /** The status the instance should have in Eureka now. */
  get state(): RegistrationState {
    return this.#state;
  }

  /** True once Eureka accepted the current state. */
  get inSync(): boolean {
    return this.#sent === this.#state;
  }

  /** Follows the app's health: UP when healthy, else the configured unhealthy status. */
  setHealthy(healthy: boolean): Promise<void> {
    return this.#setState(healthy ? 'UP' : (this.#opts.unhealthyStatus ?? 'DOWN'));
  }

  #setState(next: RegistrationState): Promise<void> {
    if (this.#closed || next === this.#state) return Promise.resolve();
    this.#state = next;
    this.#lastDirty = Date.now();
    return this.#sync();
  }

  /** Deregisters (once); no more heartbeats. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    if (this.#sent === undefined) return;
    try {
      await this.#opts.http.deregister(this.app, this.instanceId);
      this.#opts.logger?.info({ app: this.app, instanceId: this.instanceId }, 'eureka: deregistered');
    } catch (err) {
      this.#opts.logger?.warn(
        { err: (err as Error).message, instanceId: this.instanceId },
        'eureka: could not deregister (the lease will expire)',
      );
    }
  }

  /** One sync at a time; a change during one runs another right after. */
  #sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#step();
        } while (this.#again && !this.#closed);
      } finally {
        this.#running = undefined;
        this.#scheduleRenewal();
      }
    })();
    return this.#running;
  }

  #scheduleRenewal(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#sync(), this.#renewalMs);
    this.#timer.unref();
  }

  /** Registers, updates or renews: whatever brings Eureka to `#state`. */
  async #step(): Promise<void> {
    if (this.#closed) return;
    const http = this.#opts.http;
    const state = this.#state;
    const dirty = this.#lastDirty;
    try {
      if (this.#sent === undefined) {
        await this.#register(state, dirty);
      } else if (this.#sent !== state) {
        // leaving or entering an override takes the status API; the instance's own status, a registration
        if (this.#sent === 'OUT_OF_SERVICE') {
          if (!(await http.removeStatusOverride(this.app, this.instanceId, state === 'OUT_OF_SERVICE' ? 'UP' : state, dirty)))
            return await this.#register(state, dirty);
          if (state !== 'UP') await this.#register(state, dirty);
        } else if (state === 'OUT_OF_SERVICE') {
          if (!(await http.overrideStatus(this.app, this.instanceId, 'OUT_OF_SERVICE', dirty))) return await this.#register(state, dirty);
        } else {
          await this.#register(state, dirty);
        }
        this.#sent = state;
        this.#opts.logger?.info({ app: this.app, instanceId: this.instanceId, status: state }, 'eureka: status changed');
      } else if (!(await http.renew(this.app, this.instanceId, state === 'OUT_OF_SERVICE' ? 'UP' : state, dirty))) {
        this.#opts.logger?.info({ app: this.app, instanceId: this.instanceId }, 'eureka: lease unknown to the server, registering again');
        await this.#register(state, dirty);
      }
      if (this.#failing) this.#opts.logger?.info({ app: this.app, server: http.server }, 'eureka: registration answers again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing)
        this.#opts.logger?.warn(
          { err: (err as Error).message, app: this.app },
          'eureka: registration failed, retrying at the next renewal',
        );
      this.#failing = true;
    }
  }

  async #register(state: RegistrationState, dirty: number): Promise<void> {
    await this.#opts.http.register(this.#instance(state, dirty));
    const first = this.#sent === undefined;
    this.#sent = state;
    if (first)
      this.#opts.logger?.info(
        { app: this.app, instanceId: this.instanceId, status: state, server: this.#opts.http.server },
        'eureka: registered',
      );
  }

  #instance(state: RegistrationState, dirty: number): EurekaInstance & Record<string, unknown> {
    const o = this.#opts;
    const base = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    return {
      instanceId: this.instanceId,
      app: this.app,
      hostName: o.host,
      ipAddr: o.host,
      status: state as EurekaStatus,
      // an override given at registration sticks (re-registrations with UP cannot lift it)
      overriddenStatus: state === 'OUT_OF_SERVICE' ? 'OUT_OF_SERVICE' : 'UNKNOWN',
      port: { $: o.port, '@enabled': 'true' },
      securePort: { $: 443, '@enabled': 'false' },
      countryId: 1,
      dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
      leaseInfo: {
        renewalIntervalInSecs: Math.max(1, Math.round(this.#renewalMs / 1000)),
        durationInSecs: Math.max(1, Math.round((o.leaseDurationMs ?? 90_000) / 1000)),
      },
      metadata: { ...(o.metadata ?? {}) },
      homePageUrl: `${base}/`,
      ...(o.statusPageUrl ? { statusPageUrl: o.statusPageUrl } : {}),
      ...(o.healthCheckUrl ? { healthCheckUrl: o.healthCheckUrl } : {}),
      vipAddress: o.vipAddress ?? o.app.toLowerCase(),
      secureVipAddress: o.vipAddress ?? o.app.toLowerCase(),
      isCoordinatingDiscoveryServer: 'false',
      lastUpdatedTimestamp: String(dirty),
      lastDirtyTimestamp: String(dirty),
    };
  }
}
