import type { Protocol } from '../types.js';
import { rpcTelemetry } from '../telemetry.js';
import { createTripleClient } from './client.js';
import type { TripleServiceConfig } from './schema.js';

export const tripleProtocol: Protocol<TripleServiceConfig> = {
  name: 'triple',
  schemes: ['tri'],
  serviceKey: (service) => ({
    interface: service.interface ?? service.service!,
    ...(service.version ? { version: service.version } : {}),
    ...(service.group ? { group: service.group } : {}),
  }),
  createClient: (service, ctx) => createTripleClient(service, ctx),
  telemetry: (service) => rpcTelemetry({ system: 'apache_dubbo', service: service.interface ?? service.service ?? service.name }),
};
