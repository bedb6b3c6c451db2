import type { Readable } from 'node:stream';
import { FerryError, toFerryError } from '../errors.js';
import type { RetryPolicy } from '../config/policies.js';
import type { RetryBudget } from './retry-budget.js';
import type { Call, Interceptor, Reply } from './types.js';

export interface RetryOptions {
  policy: RetryPolicy;
  /** The route's retry budget; absent: retries are bounded by the policy only. */
  budget?: RetryBudget;
  /** Told about every retry (the retry counter), before the next attempt starts. */
  onRetry?(error: FerryError, call: Call): void;
  /** Told when a retry was due but the budget was spent (the call ends with its last failure). */
  onBudgetExhausted?(error: FerryError, call: Call): void;
  /**
   * Whether the service has an endpoint now, other than `refused` and those in `failed`, that would take the call (its
   * breaker lets calls through): a refused call is requeued only onto one.
   */
  untried?: (failed: ReadonlySet<string> | undefined, refused: string) => boolean;
  /** For tests: the jitter's source. */
  random?: () => number;
}

/**
 * The endpoints that already failed a call, per attempt: written by retry, read by balance. Kept here rather
 * than on the Call, so nothing else sees (or forges) it.
 */
const failedEndpoints = new WeakMap<Call, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/** The endpoints the balancer should skip for this attempt. */
export function endpointsToAvoid(attempt: Call): ReadonlySet<string> {
  return failedEndpoints.get(attempt) ?? NONE;
}

/** The endpoint of an attempt answered by a gateway error (written by balance on such answers only). */
const gatewayAnswers = new WeakMap<Call, string>();

/** Balance tells retry which endpoint gave an HTTP 502/503/504 answer to this attempt. */
export function noteGatewayAnswer(attempt: Call, endpointId: string): void {
  gatewayAnswers.set(attempt, endpointId);
}

/** Failures after which the call may have run: retried only by `retryOn: idempotent` policies. */
const MAY_HAVE_RUN: ReadonlySet<string> = new Set(['FERRY_ERR_UPSTREAM_RESET']);
/** An HTTP upstream's gateway errors (Envoy's `gateway-error`): retried only by `retryOn: idempotent` policies. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/**
 * A failure before the call left Ferry (no connection: refused, unreachable, connect timeout; every protocol client
 * reports only that as `_CONNECT`): the call did not run anywhere, so it is requeued on an endpoint that has not
 * failed it yet, at once and whatever the policy (`retries: 0` included) — Finagle's requeues, gRPC's transparent
 * retry. Discovery always lags a little behind an instance that stops: its port refuses before the registry says so.
 */
const UNSENT = 'FERRY_ERR_UPSTREAM_CONNECT';
/** Requeues per call at most, beyond the policy's retries (each still within the deadline and the retry budget). */
export const MAX_REQUEUES = 2;

/** The wait before retry number `n` (1-based): exponential or constant, with jitter, never above maxIntervalMs. */
export function backoffMs(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  if (policy.initialIntervalMs === 0) return 0;
  const base = policy.backoff === 'exponential' ? policy.initialIntervalMs * policy.multiplier ** (n - 1) : policy.initialIntervalMs;
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random());
  return Math.round(Math.min(policy.maxIntervalMs, jittered));
}

/**
 * Retries failures the policy allows (by default those where the upstream certainly did not run the call) on
 * another endpoint, after the policy's backoff, within the call's deadline and the route's retry budget. Wraps the
 * endpoint pick, so each attempt is balanced afresh, skipping endpoints that already failed this call. A pass-through
 * body still streaming from the app cannot be replayed, so such calls are tried once (a body that came whole is held
 * as a buffer and is); one-way calls too. A call refused before it was sent is requeued on an untried endpoint
 * first, without backoff and without spending the policy's retries.
 */
export function retryInterceptor(options: RetryOptions): Interceptor {
  const { policy, budget, onRetry, onBudgetExhausted, untried, random = Math.random } = options;
  const retries = policy.maxRetries;
  const idempotent = policy.retryOn === 'idempotent';
  const retryable = (error: FerryError) => error.retryable || (idempotent && MAY_HAVE_RUN.has(error.code));
  /** Whether a refused call has an endpoint left that did not refuse it (the one that just did is not in `failed` yet). */
  const requeueable = (error: FerryError, failed: ReadonlySet<string> | undefined) =>
    error.code === UNSENT && !!untried && !!error.upstream?.endpoint && untried(failed, error.upstream.endpoint);
  return (next) =>
    async function retry(call) {
      budget?.deposit();
      // a body Ferry holds whole can be sent again; one still streaming from the app cannot
      const body = call.http?.body;
      const replayable = (!body || Buffer.isBuffer(body)) && !call.oneWay;
      // Made on the first failure: most calls never need it.
      let failed: Set<string> | undefined;
      let retried = 0;
      let requeued = 0;
      for (let attempt = 1; ; attempt++) {
        const current: Call = { ...call, attempt };
        if (failed) failedEndpoints.set(current, failed);
        let error: FerryError;
        let wait: number;
        try {
          const reply = await next(current);
          const gateway = idempotent && reply.kind === 'http' && GATEWAY_STATUSES.has(reply.statusCode);
          if (!gateway || retried >= retries || !replayable) return reply;
          error = gatewayError(reply, current);
          if ((wait = retryWait(error, ++retried, call)) < 0) return reply;
          // dropped before the backoff: its connection is not held while Ferry waits
          discard(reply);
        } catch (err) {
          error = toFerryError(err);
          if (!replayable) throw error;
          if (requeued < MAX_REQUEUES && requeueable(error, failed)) {
            requeued++;
            if ((wait = admit(error, 0, call)) < 0) throw error;
          } else if (retried >= retries || !retryable(error) || (wait = retryWait(error, ++retried, call)) < 0) throw error;
        }
        if (wait > 0) await pause(wait, call.signal);
        // the app went away meanwhile: nobody waits for another attempt
        if (call.signal.aborted) throw error;
        if (error.upstream?.endpoint) (failed ??= new Set()).add(error.upstream.endpoint);
      }
    };

  /** The backoff before retry number `n` of the policy, or -1 when it does not fit the deadline or the budget. */
  function retryWait(error: FerryError, n: number, call: Call): number {
    return admit(error, backoffMs(policy, n, random), call);
  }

  /** `wait` when another attempt after it fits the deadline and the budget (then it is counted), else -1. */
  function admit(error: FerryError, wait: number, call: Call): number {
    // a retry that could not start before the deadline would only turn this failure into a timeout
    if (call.signal.aborted || Date.now() + wait >= call.deadline) return -1;
    if (budget && !budget.withdraw()) {
      onBudgetExhausted?.(error, call);
      return -1;
    }
    onRetry?.(error, call);
    return wait;
  }
}

function gatewayError(reply: Extract<Reply, { kind: 'http' }>, attempt: Call): FerryError {
  const endpoint = gatewayAnswers.get(attempt);
  return new FerryError('FERRY_ERR_UPSTREAM_HTTP_STATUS', `HTTP ${reply.statusCode}`, {
    upstream: { protocol: 'http', status: reply.statusCode, ...(endpoint ? { endpoint } : {}) },
  });
}

/** A gateway answer that is retried is never sent to the app: its body is dropped. */
function discard(reply: Extract<Reply, { kind: 'http' }>): void {
  if (Buffer.isBuffer(reply.body)) return;
  const body = reply.body as Readable;
  body.on('error', ignore);
  body.destroy();
}

function ignore(): void {}

/** Waits `ms`, or less when the call is aborted meanwhile. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
