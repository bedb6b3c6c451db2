/**
 * undici's `Agent` and its request API, without the rest of undici. The package's entry point also loads fetch,
 * WebSocket, EventSource, cookies, the mocks and caches (~110 module files), and its cookie module's
 * `globalThis.Headers` makes Node compile its own bundled copy of undici too: ~60 ms of CPU at every start, for
 * classes Ferry never uses. These are the very files the entry point loads for `Agent` (same version, same
 * module instances if something else loads the entry point), plus the one line of it that puts the request API
 * (`request`, `stream`, …) on `Dispatcher.prototype`. `test/unit/http-agent.test.ts` checks it is undici's Agent.
 */
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher as UndiciDispatcher } from 'undici';

const require = createRequire(import.meta.url);
const dispatcher = require('undici/lib/dispatcher/dispatcher') as typeof UndiciDispatcher;
Object.assign(dispatcher.prototype, require('undici/lib/api') as object);

export const Agent = require('undici/lib/dispatcher/agent') as typeof UndiciAgent;
export type Agent = UndiciAgent;
