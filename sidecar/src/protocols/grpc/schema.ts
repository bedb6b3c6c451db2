import { statSync } from 'node:fs';
import { bool, dflt, join, list, opt, str, type Infer, type Issue } from '../../config/dsl.js';
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

/** Every `proto` file and `includeDirs` folder is there (paths already absolute): else start-up would fail later. */
export function checkProtoFiles(
  service: { proto?: string[] | undefined; includeDirs?: string[] | undefined },
  path: string,
  issues: Issue[],
): void {
  const check = (key: string, list: string[] | undefined, want: 'file' | 'folder') =>
    list?.forEach((file, i) => {
      const stat = statSync(file, { throwIfNoEntry: false });
      const found = want === 'file' ? stat?.isFile() : stat?.isDirectory();
      if (!found) issues.push({ path: join(join(path, key), i), message: `no such ${want}: ${file}` });
    });
  check('proto', service.proto, 'file');
  check('includeDirs', service.includeDirs, 'folder');
}
