/**
 * `protocol: lines`, a tiny protocol that exists only in the tests, to prove what adding a protocol takes: this
 * folder, and one line in the list of protocols (`[...PROTOCOLS, lines]`). One call is one JSON line over TCP,
 * `{"method": "upper", "args": ["hi"]}\n`, answered by one line, `{"result": "HI"}\n` or `{"error": "…"}\n`.
 * Routing, retries, breakers, timeouts, propagation, metrics and tracing come from the shared chain.
 */
import type { ProtocolPlugin } from '../../../src/protocols/types.js';
import { linesServiceSchema, type LinesServiceConfig } from './schema.js';

export const lines: ProtocolPlugin<LinesServiceConfig> = {
  name: 'lines',
  schema: linesServiceSchema,
  load: async () => (await import('./protocol.js')).linesProtocol,
};
