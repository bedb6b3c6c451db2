import { join, opt, str, type Infer } from '../../config/dsl.js';
import { httpEndpoint, serviceSchema, type ServiceConfig } from '../../config/service.js';

/** `protocol: jsonrpc`: static URLs, or `jsonrpc://` providers of an interface in a registry. */
export const jsonrpcServiceSchema = serviceSchema(
  'jsonrpc',
  {
    interface: opt(str()),
    version: opt(str()),
    group: opt(str()),
    /** For registry-discovered JSON-RPC providers: the URL path (default: `/{interface}`; by `app`: `/`). */
    path: opt(str()),
  },
  (svc, path, issues) => {
    if (!svc.endpoints && !svc.registry) issues.push({ path, message: 'needs endpoints or registry' });
    svc.endpoints?.forEach((e, i) => {
      const problem = httpEndpoint(e);
      if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
    });
    if (svc.registry && !svc.interface && !svc.app) {
      const message = 'required to find the service in the registry (or its application name: app)';
      issues.push({ path: join(path, 'interface'), message });
    }
  },
);

export type JsonRpcServiceConfig = Infer<typeof jsonrpcServiceSchema> & ServiceConfig;
