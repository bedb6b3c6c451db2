/**
 * A call as the pipeline sees it, for interceptor, route and router tests. Not a test file.
 */
import type { Call } from '../../src/pipeline/types.js';

/** Service `s`, method `m`, no arguments or headers, first attempt, a 1 s deadline; `overrides` win. */
export function testCall(overrides: Partial<Call> = {}): Call {
  return {
    service: 's',
    method: 'm',
    args: [],
    incomingHeaders: {},
    outgoing: {},
    deadline: Date.now() + 1000,
    signal: new AbortController().signal,
    oneWay: false,
    requestId: 'r',
    attempt: 0,
    ...overrides,
  };
}
