import { join, type Infer } from '../../config/dsl.js';
import { hostPort, serviceSchema, type ServiceConfig } from '../../config/service.js';
import { grpcServiceSchema } from '../grpc/schema.js';

const { protocol: _grpc, ...grpcFields } = grpcServiceSchema.shape;

/**
 * `protocol: triple`: Dubbo 3's Triple. With `proto` and `service` an IDL service, called as gRPC with the tri-*
 * metadata (the gRPC fields); without, a plain-Java-interface service over Triple's HTTP/JSON (`interface`).
 */
export const tripleServiceSchema = serviceSchema('triple', grpcFields, (svc, path, issues) => {
  if (!svc.endpoints && !svc.registry) issues.push({ path, message: 'needs endpoints or registry' });
  svc.endpoints?.forEach((e, i) => {
    const problem = hostPort(e);
    if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
  });
  if (!svc.interface && !(svc.proto && svc.service))
    issues.push({ path: join(path, 'interface'), message: 'required for protocol triple (or proto and service for an IDL service)' });
  if (svc.proto && !svc.service) issues.push({ path: join(path, 'service'), message: 'required for protocol triple with proto' });
});

export type TripleServiceConfig = Infer<typeof tripleServiceSchema> & ServiceConfig;
