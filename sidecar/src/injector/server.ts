/**
 * The webhook over TLS (`POST /mutate/namespace`, `POST /mutate/pod`) and the admin port (`/healthz`,
 * `/readyz`, `/metrics`). The serving certificate is swapped in place (`setSecureContext`) when its files
 * change, so a renewed Secret needs no restart.
 */
import { readFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { FerryError } from '../errors.js';
import { buildAdminApp } from '../server/admin.js';
import { installErrorHandling } from '../server/errors.js';
import type { Readiness } from '../server/health.js';
import type { Logger } from '../observability/logger.js';
import type { InjectorConfig } from './config.js';
import type { InjectorMetrics } from './metrics.js';
import { admissionRequest, BadReview, review, type Scope } from './review.js';

/** An AdmissionReview carries a whole pod; the apiserver caps request bodies at 3 MiB. */
const BODY_LIMIT = 8 * 1024 * 1024;
const SCOPES: readonly Scope[] = ['namespace', 'pod'];

export interface Injector {
  readonly webhook: FastifyInstance;
  readonly admin?: FastifyInstance;
  readonly state: Readiness;
  /** Swaps the mesh-wide defaults (a reloaded config's `sidecar` and `namespace`). */
  setConfig(next: InjectorConfig): void;
  /** Re-reads the certificate files; a bad pair keeps the running certificate. */
  reloadCertificate(): Promise<boolean>;
  start(): Promise<{ port: number; adminPort?: number }>;
  close(): Promise<void>;
}

export async function createInjector(options: { config: InjectorConfig; logger: Logger; metrics: InjectorMetrics }): Promise<Injector> {
  const { logger, metrics } = options;
  let config = options.config;
  const state: Readiness = { ready: false, shuttingDown: false };
  const readPair = async () => ({ cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) });
  let pair = await readPair();
  createSecureContext(pair); // a bad pair fails start-up here, with the TLS error

  const webhook = Fastify({
    https: pair,
    bodyLimit: BODY_LIMIT,
    loggerInstance: logger.child({ port: 'webhook' }, { level: 'warn' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    return503OnClosing: false,
  });
  installErrorHandling(webhook);
  webhook.addHook('onResponse', async (request, reply) => {
    const scope = (request.params as { scope?: string }).scope;
    if (scope === 'namespace' || scope === 'pod') metrics.duration.observe({ scope }, reply.elapsedTime / 1000);
  });
  webhook.post<{ Params: { scope: string } }>('/mutate/:scope', async (request) => {
    const scope = request.params.scope as Scope;
    if (!SCOPES.includes(scope))
      throw new FerryError('FERRY_ERR_ROUTE_NOT_FOUND', `no webhook scope "${scope}" (known: ${SCOPES.join(', ')})`);
    let req;
    try {
      req = admissionRequest(request.body);
    } catch (err) {
      metrics.requests.inc({ scope, outcome: 'error' });
      if (err instanceof BadReview) throw new FerryError('FERRY_ERR_BAD_REQUEST', err.message);
      throw err;
    }
    const decision = review(req, scope, config);
    metrics.requests.inc({ scope, outcome: decision.outcome });
    const pod = req.object?.metadata;
    const who = { namespace: req.namespace, pod: pod?.name || pod?.generateName, uid: req.uid, dryRun: req.dryRun === true };
    if (decision.outcome === 'injected') {
      metrics.patches.inc({ mode: decision.reason });
      logger.info({ ...who, mode: decision.reason }, 'sidecar injected');
    } else if (decision.outcome === 'refused') {
      metrics.refusals.inc();
      logger.warn({ ...who, problems: decision.reason }, 'pod refused: bad ferry.io annotations');
    } else {
      logger.debug({ ...who, reason: decision.reason }, 'not injected');
    }
    return decision.review;
  });

  const admin = config.admin.enabled
    ? buildAdminApp({
        logger,
        state,
        plugins: [
          async (app) => {
            app.get('/metrics', async (_request, reply) =>
              reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(await metrics.registry.metrics()),
            );
          },
        ],
      })
    : undefined;

  return {
    webhook,
    ...(admin ? { admin } : {}),
    state,
    setConfig(next) {
      config = { ...config, namespace: next.namespace, sidecar: next.sidecar };
    },
    async reloadCertificate() {
      try {
        const next = await readPair();
        if (next.cert.equals(pair.cert) && next.key.equals(pair.key)) return false;
        createSecureContext(next);
        (webhook.server as HttpsServer).setSecureContext(next);
        pair = next;
        metrics.certReloads.inc({ result: 'applied' });
        logger.info({ certFile: config.tls.certFile }, 'serving certificate reloaded');
        return true;
      } catch (err) {
        // between the two files of a non-atomic update, or a broken pair: keep serving the old one
        metrics.certReloads.inc({ result: 'invalid' });
        logger.error(
          { certFile: config.tls.certFile, err: (err as Error).message },
          'serving certificate not reloaded; keeping the running one',
        );
        return false;
      }
    },
    async start() {
      await webhook.listen({ host: config.listen.host, port: config.listen.port });
      const port = (webhook.server.address() as AddressInfo).port;
      let adminPort: number | undefined;
      if (admin) {
        await admin.listen({ host: config.admin.host, port: config.admin.port });
        adminPort = (admin.server.address() as AddressInfo).port;
      }
      state.ready = true;
      logger.info({ port, adminPort, namespace: config.namespace, mode: config.sidecar.mode }, 'ferry injector listening');
      return { port, ...(adminPort === undefined ? {} : { adminPort }) };
    },
    async close() {
      state.shuttingDown = true;
      // readiness is off now; the Service keeps sending here until the endpoint is gone
      await new Promise((r) => setTimeout(r, config.shutdown.delayMs));
      const drain = webhook.close();
      await Promise.race([drain, new Promise((r) => setTimeout(r, config.shutdown.drainTimeoutMs).unref())]);
      webhook.server.closeAllConnections();
      await admin?.close();
    },
  };
}
