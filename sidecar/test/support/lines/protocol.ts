import { connect } from 'node:net';
import { FerryError } from '../../../src/errors.js';
import type { Protocol } from '../../../src/protocols/types.js';
import { rpcTelemetry } from '../../../src/protocols/telemetry.js';
import type { LinesServiceConfig } from './schema.js';

export const linesProtocol: Protocol<LinesServiceConfig> = {
  name: 'lines',
  schemes: [],
  serviceKey: (service) => ({ interface: service.name }),
  telemetry: (service) => rpcTelemetry({ system: 'lines', service: service.name }),
  createClient: () => ({
    invoke: (call, endpoint) =>
      new Promise((resolve, reject) => {
        const upstream = { protocol: 'lines', endpoint: endpoint.id };
        const socket = connect({ host: endpoint.host, port: endpoint.port });
        let text = '';
        const fail = (error: FerryError) => {
          socket.destroy();
          reject(error);
        };
        const onAbort = () =>
          fail(
            call.signal.reason instanceof FerryError ? call.signal.reason : new FerryError('FERRY_ERR_CANCELLED', undefined, { upstream }),
          );
        call.signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => socket.write(`${JSON.stringify({ method: call.method, args: call.args, headers: call.outgoing })}\n`));
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          const end = text.indexOf('\n');
          if (end < 0) return;
          call.signal.removeEventListener('abort', onAbort);
          socket.end();
          try {
            const answer = JSON.parse(text.slice(0, end)) as { result?: unknown; error?: string };
            if (answer.error !== undefined)
              reject(new FerryError('FERRY_ERR_UPSTREAM_EXCEPTION', answer.error, { upstream: { ...upstream, message: answer.error } }));
            else resolve({ kind: 'value', value: answer.result ?? null });
          } catch {
            reject(new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', 'not a JSON line', { upstream }));
          }
        });
        socket.once('error', (err: NodeJS.ErrnoException) => {
          call.signal.removeEventListener('abort', onAbort);
          fail(
            new FerryError(
              err.code === 'ECONNREFUSED' ? 'FERRY_ERR_UPSTREAM_CONNECT' : 'FERRY_ERR_UPSTREAM_RESET',
              `${endpoint.id}: ${err.code ?? err.message}`,
              { upstream },
            ),
          );
        });
      }),
    close: async () => {},
  }),
};
