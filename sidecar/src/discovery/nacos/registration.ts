/**
 * An ephemeral instance Ferry keeps registered in Nacos for as long as it lives: registered now, heartbeated at
 * the interval the server asks for (5 s by default; Nacos drops an ephemeral HTTP instance ~15 s / 30 s after
 * its last beat), registered again when a beat says the server forgot it or after beats failed (a restarted
 * server), and deregistered on close.
 */
import type { Logger } from '../../observability/logger.js';
import type { NacosInstanceSpec, NacosTransport } from './types.js';

export interface NacosRegistration {
  readonly instance: NacosInstanceSpec;
  /** Registers the instance again with new metadata (kept for later beats and re-registrations). */
  update(metadata: Record<string, string>): Promise<void>;
  /** Deregisters and stops heartbeating. */
  close(): Promise<void>;
}

export interface NacosRegistrationOptions {
  logger?: Logger;
  /** Heartbeat interval before the server names one (default 5 s). */
  beatIntervalMs?: number;
}

/**
 * Registers `instance` and keeps it alive. The first registration is awaited (its error is the caller's);
 * later failures are retried at the beat interval and logged once per outage.
 */
export async function registerInstance(
  transport: NacosTransport,
  spec: NacosInstanceSpec,
  opts: NacosRegistrationOptions = {},
): Promise<NacosRegistration> {
  let instance = spec;
  const log = opts.logger;
  let interval = opts.beatIntervalMs ?? 5000;
  let closed = false;
  let needsRegister = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  await transport.register(instance);

  const tick = async () => {
    try {
      if (needsRegister) {
        await transport.register(instance);
        needsRegister = false;
        log?.info({ service: instance.serviceName, ip: instance.ip, port: instance.port }, 'nacos: registered again');
      } else {
        const beat = await transport.beat(instance);
        interval = beat.intervalMs;
        if (!beat.known) {
          needsRegister = true;
          await transport.register(instance);
          needsRegister = false;
          log?.info({ service: instance.serviceName }, 'nacos forgot the instance: registered again');
        }
      }
      failing = false;
    } catch (err) {
      // the server may come back without our instance (restart): register in full on the next success
      needsRegister = true;
      if (!failing) log?.warn({ err: (err as Error).message, service: instance.serviceName }, 'nacos heartbeat failed, retrying');
      failing = true;
    }
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      inFlight = tick().finally(schedule);
    }, interval);
    timer.unref();
  };
  schedule();

  return {
    get instance() {
      return instance;
    },
    async update(metadata) {
      instance = { ...instance, metadata };
      await transport.register(instance);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await inFlight;
      await transport
        .deregister(instance)
        .catch((err: unknown) => log?.warn({ err: (err as Error).message, service: instance.serviceName }, 'nacos: could not deregister'));
    },
  };
}
