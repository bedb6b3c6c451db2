import { bool, dflt, join, list, opt, str, type Infer } from '../../config/dsl.js';
import { hostPort, serviceSchema, type ServiceConfig } from '../../config/service.js';

/** `protocol: grpc`: static `host:port` endpoints or `tri://` providers (Dubbo Triple) from a registry. */
export const grpcServiceSchema = serviceSchema(
  'grpc',
  {
    /** `.proto` files, relative to the config file. */
    proto: opt(list(str(), { min: 1 })),
    includeDirs: opt(list(str())),
    /** Fully qualified service name, e.g. `helloworld.Greeter`. */
    service: opt(str()),
    /** The registry's name for it when not `service` (a Dubbo interface). */
    interface: opt(str()),
    version: opt(str()),
    group: opt(str()),
    /** Dubbo Triple metadata sent as `tri-service-version` / `tri-service-group`. */
    triVersion: opt(str()),
    triGroup: opt(str()),
    tls: dflt(bool(), false),
  },
  (svc, path, issues) => {
    if (!svc.endpoints && !svc.registry) issues.push({ path, message: 'needs endpoints or registry' });
    svc.endpoints?.forEach((e, i) => {
      const problem = hostPort(e);
      if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
    });
    if (!svc.proto) issues.push({ path: join(path, 'proto'), message: 'required for protocol grpc' });
    if (!svc.service) issues.push({ path: join(path, 'service'), message: 'required for protocol grpc' });
  },
);

export type GrpcServiceConfig = Infer<typeof grpcServiceSchema> & ServiceConfig;

/** `proto` and `includeDirs` made absolute (relative to the config file's folder). */
export function resolveProtoPaths(
  service: { proto?: string[] | undefined; includeDirs?: string[] | undefined },
  resolve: (path: string) => string,
): void {
  if (service.proto) service.proto = service.proto.map(resolve);
  if (service.includeDirs) service.includeDirs = service.includeDirs.map(resolve);
}
