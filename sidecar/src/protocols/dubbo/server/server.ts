/**
 * Ferry as a Dubbo provider: a TCP server speaking the Dubbo 2 protocol (hessian2) in front of the app's
 * HTTP endpoints, registered in ZooKeeper like a Java provider.
 *
 * Per connection: the frame loop shared with the client side (`../channel.ts`: decoding, heartbeats, idle
 * close, malformed frames), and many calls in flight answered in any order (matched by request id).
 *
 * Shutdown (`close`): ZooKeeper nodes removed first, then the read-only event to every connected consumer,
 * then in-flight calls drained (bounded by `shutdown.drainTimeoutMs`), then the port closed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FerryConfig } from '../../../config/schema.js';
import { randomUUID } from 'node:crypto';
import { inboundDubbo, providerToken, type InboundDubboConfig } from './schema.js';
import type { Registration, Registry } from '../../../discovery/types.js';
import type { ServerContext } from '../../types.js';
import type { Logger } from '../../../observability/logger.js';
import { HESSIAN2, encodeFrame, type DubboFrame } from '../codec.js';
import { DubboChannel } from '../channel.js';
import { InboundDubboHandler } from './handler.js';
import { dubboAnswerInterceptor } from './answer.js';
import { isDubboReserved } from '../carrier.js';
import type { Invoke } from '../../../pipeline/types.js';

/** `rpc.system` of Dubbo (OTel RPC semantic conventions). */
export const DUBBO_RPC_SYSTEM = 'apache_dubbo';
import { applicationMetadata, registerServices } from './registration.js';
import type { MetadataInfo } from '../../../discovery/app-level/metadata-info.js';


const ALL_INTERFACES = '0.0.0.0';

/** A quiet period after the read-only event: calls the consumer wrote before it saw the event still arrive. */
const DRAIN_QUIET_MS = 100;

export class DubboInboundServer {
  readonly #config: FerryConfig;
  /** `inbound.dubbo`. */
  readonly #dubbo: InboundDubboConfig;
  /** The provider token (published, and checked on every call), resolved once. */
  readonly #token: string | undefined;
  readonly #logger: Logger;
  readonly #handler: InboundDubboHandler;
  /** The inbound chain and its HTTP client to the app: this server's, closed with it. */
  readonly #chain: { readonly invoke: Invoke; close(): Promise<void> };
  readonly #server: Server;
  readonly #connections = new Set<DubboChannel>();
  readonly #onDecodeError: (() => void) | undefined;
  readonly #host: string;
  /** The registry handle this server registers in: its own, closed with it. */
  readonly #registry: Registry | undefined;
  #registrations: Registration[] = [];
  /** What this provider's MetadataService answers (register mode `instance`/`all`; known once the port is). */
  #metadata: MetadataInfo | undefined;
  #inFlight = 0;
  #lastRequest = 0;
  #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #readonly = false;
  #port = 0;
  #accepted = 0;
  /** Heartbeats answered (consumer → Ferry) and sent (Ferry → consumer). */
  readonly heartbeats = { answered: 0, sent: 0 };

  constructor(ctx: ServerContext) {
    this.#config = ctx.config;
    this.#dubbo = inboundDubbo(ctx.config)!;
    this.#token = providerToken(this.#dubbo.token, randomUUID);
    this.#logger = ctx.logger.child({ component: 'dubbo-provider' });
    this.#host = ctx.host;
    const { metrics } = ctx;
    this.#onDecodeError = metrics ? () => metrics.decodeErrors.inc({ protocol: 'dubbo' }) : undefined;
    const { registry } = this.#dubbo;
    this.#registry = registry ? ctx.registry(registry) : undefined;
    this.#chain = ctx.inboundChain({
      protocol: 'dubbo',
      system: DUBBO_RPC_SYSTEM,
      reserved: isDubboReserved,
      answer: dubboAnswerInterceptor({ maxPayload: ctx.config.limits.dubboPayloadBytes, classes: this.#dubbo.classes }),
    });
    this.#handler = new InboundDubboHandler({
      config: ctx.config,
      logger: this.#logger,
      inbound: this.#chain.invoke,
      metadata: () => this.#metadata,
      ...(this.#token === undefined ? {} : { token: this.#token }),
    });
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  /** The bound port (after `start`). */
  get port(): number {
    return this.#port;
  }

  /** Calls being answered right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Open consumer connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Consumer connections accepted since start. */
  get acceptedConnections(): number {
    return this.#accepted;
  }

  /** Listens, then registers every service in ZooKeeper (when a registry is configured). */
  async start(): Promise<number> {
    const dubbo = this.#dubbo;
    const host = await this.#listen();
    this.#port = (this.#server.address() as AddressInfo).port;
    const services = dubbo.services.map((s) => s.interface);
    this.#logger.info({ host, port: this.#port, services, token: this.#token !== undefined }, 'dubbo provider listening');
    const token = this.#token;
    if (dubbo.registerMode !== 'interface') this.#metadata = applicationMetadata(this.#config, this.#host, this.#port, token);
    if (this.#registry) {
      try {
        const [registry, port, metadata] = [this.#registry, this.#port, this.#metadata];
        this.#registrations = await registerServices(this.#config, registry, this.#host, port, this.#logger, metadata, token);
      } catch (err) {
        this.#logger.error({ err: (err as Error).message, registry: dubbo.registry }, 'dubbo provider: registration failed');
      }
    }
    return this.#port;
  }

  /**
   * Binds `inbound.dubbo.host` when configured (a failure fails the start), else the pod's address, so the port
   * is not open on every interface; without a usable pod address, all interfaces, said once in the log.
   */
  async #listen(): Promise<string> {
    const { host, port } = this.#dubbo;
    if (host !== undefined) return this.#bind(host, port);
    const pod = this.#config.advertiseHost;
    const fallback = (why: string) => {
      const message = `dubbo provider: ${why}; listening on all interfaces (set inbound.dubbo.host to choose)`;
      this.#logger.warn({ host: ALL_INTERFACES, port }, message);
      return this.#bind(ALL_INTERFACES, port);
    };
    if (pod === undefined) return fallback('no pod address (advertiseHost, FERRY_POD_IP, POD_IP)');
    try {
      return await this.#bind(pod, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRNOTAVAIL' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN') throw err;
      return fallback(`the pod address ${pod} is not an address of this host (${code})`);
    }
  }

  #bind(host: string, port: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      this.#server.once('error', failed);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', failed);
        resolve(host);
      });
    });
  }

  /** Unregisters, sends the read-only event, drains in-flight calls (at most `drainTimeoutMs`), closes the port. */
  close(drainTimeoutMs = this.#config.shutdown.drainTimeoutMs): Promise<void> {
    this.#closing ??= this.#shutdown(drainTimeoutMs);
    return this.#closing;
  }

  async #shutdown(drainTimeoutMs: number): Promise<void> {
    const deadline = Date.now() + drainTimeoutMs;
    // 1. no new consumer finds us
    await Promise.all(
      this.#registrations.map((r) =>
        r
          .close()
          .catch((err: unknown) => this.#logger.warn({ err: (err as Error).message, node: r.id }, 'dubbo provider: unregister failed')),
      ),
    );
    if (this.#registrations.length) this.#logger.info({ nodes: this.#registrations.length }, 'dubbo provider unregistered');
    this.#registrations = [];
    // 2. connected consumers stop sending here
    this.#readonly = true;
    for (const c of this.#connections) c.sendReadonly();
    // 3. answer what is in flight (and what was already on its way)
    this.#lastRequest = Math.max(this.#lastRequest, Date.now());
    await this.#drained(deadline);
    if (this.#inFlight > 0) this.#logger.warn({ inFlight: this.#inFlight }, 'dubbo provider: drain timeout, closing with calls in flight');
    // 4. the port
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const c of [...this.#connections]) c.close('provider shutting down');
    await closed;
    this.#logger.info({ port: this.#port }, 'dubbo provider port closed');
    await this.#chain.close();
    await this.#registry?.close();
  }

  async #drained(deadline: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now >= deadline) return;
      const quietFor = now - this.#lastRequest;
      if (this.#inFlight === 0 && quietFor >= DRAIN_QUIET_MS) return;
      if (this.#inFlight === 0) {
        await sleep(Math.min(DRAIN_QUIET_MS - quietFor, deadline - now));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - now);
        this.#idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #accept(socket: Socket): void {
    this.#accepted++;
    const channel: DubboChannel = new DubboChannel(
      socket,
      {
        peerRole: 'consumer',
        peer: `${socket.remoteAddress}:${socket.remotePort}`,
        maxPayload: this.#config.limits.dubboPayloadBytes,
        heartbeatMs: this.#dubbo.heartbeatMs,
        logger: this.#logger,
        heartbeats: this.heartbeats,
        onDecodeError: () => this.#onDecodeError?.(),
      },
      {
        request: (frame) => this.#dispatch(channel, frame),
        closed: () => this.#connections.delete(channel),
      },
    );
    this.#connections.add(channel);
    if (this.#readonly) channel.sendReadonly();
  }

  #dispatch(conn: DubboChannel, frame: DubboFrame): void {
    this.#inFlight++;
    this.#lastRequest = Date.now();
    const via = { peer: { address: conn.remoteAddress, port: conn.remotePort }, localAddress: conn.localAddress };
    void this.#handler
      .handle(frame.body, via)
      .then((answer) => {
        if (frame.twoWay)
          conn.send(encodeFrame({ request: false, id: frame.id, status: answer.status, serializationId: HESSIAN2, body: answer.body }));
      })
      .catch((err: unknown) => this.#logger.error({ err }, 'dubbo provider: could not answer a call'))
      .finally(() => {
        this.#inFlight--;
        if (this.#inFlight === 0) {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const w of waiters) w();
        }
      });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
