import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
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

const require = createRequire(import.meta.url);

/**
 * Google's well-known protos that protobufjs has as files but not built in (it builds in any, duration, empty,
 * field_mask, struct, timestamp, wrappers): an import of one finds it before the include dirs, as
 * @grpc/proto-loader has them. Registered on the first import, not at load (descriptor.proto is big).
 */
const MORE_WELL_KNOWN = new Set(['api', 'descriptor', 'source_context', 'type'].map((n) => `google/protobuf/${n}.proto`));

type WellKnownJson = { nested: { google: { nested: { protobuf: protobuf.INamespace } } } };

function wellKnown(target: string): string | undefined {
  const at = target.lastIndexOf('google/protobuf/');
  const name = at < 0 ? undefined : target.slice(at);
  if (!name || !MORE_WELL_KNOWN.has(name)) return undefined;
  const json = require(`protobufjs/${name.replace(/\.proto$/, '.json')}`) as WellKnownJson;
  protobuf.common(name.slice('google/protobuf/'.length, -'.proto'.length), json.nested.google.nested.protobuf.nested!);
  return name;
}

/** @grpc/proto-loader's import resolution: include dirs first, then relative to the importing file. */
function withIncludeDirs(root: protobuf.Root, includeDirs: readonly string[]): protobuf.Root {
  const original = root.resolvePath.bind(root);
  root.resolvePath = (origin, target) => {
    const known = wellKnown(target);
    if (known) return known;
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

/** Every service in the protos, by full name (`package.Service`). */
function servicesIn(namespace: protobuf.NamespaceBase, out: string[] = []): string[] {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Service) out.push(nested.fullName.slice(1));
    else if (nested instanceof protobuf.Namespace && !(nested instanceof protobuf.Type)) servicesIn(nested, out);
  }
  return out;
}

/**
 * Loads a `protocol: grpc` service's `.proto` files (paths are absolute by now: the config loader resolved
 * them against the config file's folder) into protobufjs reflection: the method table (paths as grpc-js makes
 * them, streaming flags) and the types that drive the canonical JSON mapping.
 * Throws an Error naming the config path when the protos do not load or lack the service.
 */
export function loadService(service: ServiceConfig): LoadedService {
  const where = `services.${service.name}`;
  const files = [...(service.proto ?? [])];
  const includeDirs = [...(service.includeDirs ?? [])];
  const serviceName = (service.service ?? '').replace(/^\./, '');
  let root: protobuf.Root;
  try {
    root = withIncludeDirs(new protobuf.Root(), includeDirs);
    root.loadSync(files, { keepCase: true });
    root.resolveAll();
  } catch (err) {
    throw new Error(`${where}.proto: cannot load ${files.join(', ')}: ${(err as Error).message}`);
  }
  const services = servicesIn(root);
  if (!services.includes(serviceName)) {
    throw new Error(`${where}.service: no service "${serviceName}" in ${files.join(', ')} (found: ${services.join(', ') || 'none'})`);
  }
  const reflected = root.lookupService(serviceName);
  const methods = new Map<string, GrpcMethod>();
  for (const method of reflected.methodsArray) {
    const entry: GrpcMethod = {
      name: method.name,
      path: `/${serviceName}/${method.name}`,
      requestType: method.resolvedRequestType!,
      responseType: method.resolvedResponseType!,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
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
