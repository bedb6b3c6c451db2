/**
 * One AdmissionReview (`admission.k8s.io/v1`) in, one answer out. The webhook configuration sends pods of
 * namespaces labelled `ferry.io/inject=enabled` to the `namespace` scope and pods of other namespaces to the
 * `pod` scope (the request does not carry namespace labels, so the path tells which selector matched).
 */
import { CONTAINER_NAME, buildPatch, type Pod } from './patch.js';
import { INJECT, STATUS, podSettings } from './annotations.js';
import type { InjectorConfig } from './config.js';

export type Scope = 'namespace' | 'pod';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  subResource?: string;
  operation?: string;
  namespace?: string;
  name?: string;
  object?: Pod;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** What happened, for metrics and logs: `injected`, `skipped` (not ours to touch), `refused` (bad annotations). */
export type Outcome = 'injected' | 'skipped' | 'refused';

export interface Decision {
  review: AdmissionReview;
  outcome: Outcome;
  /** Why it was skipped or refused (log line). */
  reason: string;
}

export class BadReview extends Error {}

/** Parses the body the apiserver sent; throws BadReview (answered with HTTP 400) when it is not an AdmissionReview v1 request. */
export function admissionRequest(body: unknown): AdmissionRequest {
  const b = body as { apiVersion?: unknown; kind?: unknown; request?: AdmissionRequest } | null;
  if (!b || typeof b !== 'object') throw new BadReview('expected an AdmissionReview JSON object');
  if (b.kind !== 'AdmissionReview' || b.apiVersion !== 'admission.k8s.io/v1') {
    throw new BadReview(`expected kind AdmissionReview, apiVersion admission.k8s.io/v1 (got ${String(b.kind)} ${String(b.apiVersion)})`);
  }
  if (!b.request || typeof b.request.uid !== 'string') throw new BadReview('AdmissionReview without request.uid');
  return b.request;
}

const answer = (response: AdmissionResponse): AdmissionReview => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });

export function review(req: AdmissionRequest, scope: Scope, config: InjectorConfig): Decision {
  const skip = (reason: string, warnings?: string[]): Decision => ({
    review: answer({ uid: req.uid, allowed: true, ...(warnings ? { warnings } : {}) }),
    outcome: 'skipped',
    reason,
  });
  const isPod = req.kind?.kind === 'Pod' && (req.kind.group ?? '') === '' && req.kind.version === 'v1' && !req.subResource;
  if (!isPod || req.operation !== 'CREATE' || !req.object)
    return skip(`not a pod creation (${req.operation ?? '?'} ${req.kind?.kind ?? '?'})`);
  const pod = req.object;
  const namespace = req.namespace ?? pod.metadata?.namespace;
  if (config.namespace && namespace === config.namespace) return skip(`the injector's own namespace ${namespace}`);
  const annotations = pod.metadata?.annotations ?? {};
  const optIn = annotations[INJECT];
  if (optIn !== undefined && optIn !== 'true' && optIn !== 'false')
    return refuse(req, [`${INJECT}: "${optIn}" is neither "true" nor "false"`]);
  if (optIn === 'false') return skip(`${INJECT}: "false"`);
  if (scope === 'pod' && optIn !== 'true') return skip('namespace not labelled and pod not annotated');
  if (annotations[STATUS] !== undefined) return skip(`already injected (${STATUS}: ${annotations[STATUS]})`);
  const spec = pod.spec ?? {};
  if ([...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c) => c.name === CONTAINER_NAME)) {
    return skip(`already has a container named ${CONTAINER_NAME}`);
  }
  if (spec.hostNetwork) return skip('hostNetwork pod', ['ferry: not injected: a hostNetwork pod shares the node\'s ports']);

  const { settings, problems } = podSettings(annotations, config.sidecar);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.containerPort === settings.port)
        problems.push(`ferry.io/port: ${settings.port} is also a port of container "${c.name}"; choose another with ferry.io/port`);
      if (p.containerPort === settings.adminPort)
        problems.push(
          `ferry.io/admin-port: ${settings.adminPort} is also a port of container "${c.name}"; choose another with ferry.io/admin-port`,
        );
    }
  }
  if (problems.length > 0) return refuse(req, problems);
  const ops = buildPatch(pod, settings, config.sidecar, config.sidecar.mode);
  return {
    review: answer({ uid: req.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') }),
    outcome: 'injected',
    reason: config.sidecar.mode,
  };
}

function refuse(req: AdmissionRequest, problems: string[]): Decision {
  const message = `ferry: pod not created: ${problems.join('; ')}`;
  return {
    review: answer({ uid: req.uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } }),
    outcome: 'refused',
    reason: problems.join('; '),
  };
}
