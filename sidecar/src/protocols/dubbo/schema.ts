import { bool, dflt, dict, join, list, num, obj, oneOf, opt, str, type Infer } from '../../config/dsl.js';
import { hostPort, methodFields, serviceSchema, type ServiceConfig } from '../../config/service.js';

const dubboMethod = obj({
  /** Java type names of the parameters, e.g. `java.lang.Long`, `com.example.User`, `java.util.List<com.example.User>`. */
  parameterTypes: dflt(list(str()), []),
  /** Java return type, used to shape the JSON answer (e.g. `long` values beyond 2^53 as strings). */
  returns: opt(str()),
  ...methodFields,
  /** Send as a one-way (no answer) call. */
  oneWay: dflt(bool(), false),
});

/** `protocol: dubbo`: Dubbo 2 frames, Hessian 2 bodies; static `host:port` endpoints or `dubbo://` providers. */
export const dubboServiceSchema = serviceSchema(
  'dubbo',
  {
    interface: opt(str()),
    version: opt(str()),
    group: opt(str()),
    methods: opt(dict(dubboMethod)),
    /** `generic` sends `$invoke` (no Java classes needed upstream); `typed` sends exact descriptors. */
    invocation: dflt(oneOf(['generic', 'typed'] as const), 'generic'),
    /** TCP connections per Dubbo provider, multiplexed by request id. */
    connections: dflt(num({ int: true, min: 1, max: 64 }), 1),
    /** Idle time after which Ferry sends a Dubbo heartbeat (a connection silent for 3× this is closed). */
    heartbeatMs: dflt(num({ int: true, min: 100 }), 60_000),
    /** Field types of POJO classes, for fields whose JSON alone is ambiguous: `{com.example.User: {id: long}}`. */
    classes: opt(dict(dict(str()))),
  },
  (svc, path, issues) => {
    if (!svc.endpoints && !svc.registry) issues.push({ path, message: 'needs endpoints or registry' });
    svc.endpoints?.forEach((e, i) => {
      const problem = hostPort(e);
      if (problem) issues.push({ path: join(join(path, 'endpoints'), i), message: problem });
    });
    if (!svc.interface) issues.push({ path: join(path, 'interface'), message: 'required for protocol dubbo' });
  },
);

export type DubboServiceConfig = Infer<typeof dubboServiceSchema> & ServiceConfig & { interface: string };
export type DubboMethodConfig = Infer<typeof dubboMethod>;
