import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { GrpcServiceConfig as ServiceConfig } from './schema.js';
import type { TypeResolver } from './json.js';
import { rpcTypes } from './status.js';

export interface GrpcMethod {
  /** The proto method name, e.g. `SayHello`. */
  name: string;
  /** `/package.Service/Method`. */
  path: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  requestStream: boolean;
  responseStream: boolean;
}

export interface LoadedService {
  fullName: string;
  /** By proto name (`SayHello`) and lowerCamelCase (`sayHello`). */
  methods: Map<string, GrpcMethod>;
  /** Message types of the service's protos, then the standard google.rpc ones (for `Any`). */
  resolve: TypeResolver;
}

/** The same import resolution @grpc/proto-loader uses: include dirs first, then relative to the importing file. */
function withIncludeDirs(root: protobuf.Root, includeDirs: readonly string[]): protobuf.Root {
  const original = root.resolvePath.bind(root);
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      try {
        accessSync(candidate, constants.R_OK);
        return candidate;
      } catch {
        // next include dir
      }
    }
    return original(origin, target);
  };
  return root;
}

/**
 * Loads a `protocol: grpc` service's `.proto` files (paths are absolute by now: the config loader resolved
 * them against the config file's folder). @grpc/proto-loader gives the method table grpc-js sees (paths,
 * streaming flags); the protobufjs reflection of the same files drives the canonical JSON mapping.
 * Throws an Error naming the config path when the protos do not load or lack the service.
 */
export function loadService(service: ServiceConfig): LoadedService {
  const where = `services.${service.name}`;
  const files = [...(service.proto ?? [])];
  const includeDirs = [...(service.includeDirs ?? [])];
  const serviceName = (service.service ?? '').replace(/^\./, '');
  let definition: ReturnType<typeof loadSync>;
  let root: protobuf.Root;
  try {
    definition = loadSync(files, { includeDirs, keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    root = withIncludeDirs(new protobuf.Root(), includeDirs);
    root.loadSync(files, { keepCase: true });
    root.resolveAll();
  } catch (err) {
    throw new Error(`${where}.proto: cannot load ${files.join(', ')}: ${(err as Error).message}`);
  }
  const found = definition[serviceName];
  const services = Object.entries(definition)
    .filter(
      ([, d]) =>
        typeof d === 'object' &&
        d !== null &&
        !('format' in d) &&
        Object.values(d).some((m) => typeof m === 'object' && m !== null && 'path' in m),
    )
    .map(([n]) => n);
  if (!found || 'format' in found || !services.includes(serviceName)) {
    throw new Error(`${where}.service: no service "${serviceName}" in ${files.join(', ')} (found: ${services.join(', ') || 'none'})`);
  }
  const reflected = root.lookupService(serviceName);
  const methods = new Map<string, GrpcMethod>();
  for (const method of reflected.methodsArray) {
    const def = (found as Record<string, MethodDefinition<unknown, unknown>>)[method.name];
    const entry: GrpcMethod = {
      name: method.name,
      path: def?.path ?? `/${serviceName}/${method.name}`,
      requestType: method.resolvedRequestType!,
      responseType: method.resolvedResponseType!,
      requestStream: def?.requestStream ?? !!method.requestStream,
      responseStream: def?.responseStream ?? !!method.responseStream,
    };
    methods.set(method.name, entry);
    methods.set(method.name.charAt(0).toLowerCase() + method.name.slice(1), entry);
  }
  const resolve: TypeResolver = (name) => {
    try {
      return root.lookupType(name.replace(/^\./, ''));
    } catch {
      return rpcTypes(name);
    }
  };
  return { fullName: serviceName, methods, resolve };
}
