/** The injector's metrics (`ferry_injector_*`), on a registry of its own, served on its admin port. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Seconds: an admission is answered in well under a millisecond; the apiserver's timeout is seconds. */
const ADMISSION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export function createInjectorMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'ferry_injector_requests_total',
      help: 'AdmissionReviews answered, by webhook scope (namespace, pod) and outcome (injected, skipped, refused, error).',
      labelNames: ['scope', 'outcome'] as const,
      registers: [registry],
    }),
    patches: new Counter({
      name: 'ferry_injector_patches_total',
      help: 'Pods given a Ferry sidecar, by sidecar mode (native, classic).',
      labelNames: ['mode'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'ferry_injector_refusals_total',
      help: 'Pods refused because of their ferry.io/* annotations (unknown keys, bad values, port clashes).',
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'ferry_injector_admission_duration_seconds',
      help: 'Time from an AdmissionReview arriving to its answer being sent.',
      labelNames: ['scope'] as const,
      buckets: ADMISSION_BUCKETS,
      registers: [registry],
    }),
    certReloads: new Counter({
      name: 'ferry_injector_cert_reloads_total',
      help: 'Serving certificate reloads after the mounted files changed, by result (applied, invalid: kept the running certificate).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    configReloads: new Counter({
      name: 'ferry_injector_config_reloads_total',
      help: 'Injector config reloads, by result (applied, invalid, restart_required).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}

export type InjectorMetrics = ReturnType<typeof createInjectorMetrics>;
