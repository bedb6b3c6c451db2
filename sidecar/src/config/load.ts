import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';
import { configSchemaWith, checkReferences, type FerryConfig } from './schema.js';
import { PROTOCOLS, inboundSchemasOf, serviceSchema, serviceSchemaOf } from '../protocols/index.js';
import type { ProtocolEntry } from '../protocols/types.js';
import { checkRegistryUse, registrySchema } from '../discovery/index.js';
import { deepFreeze, validate, type Issue } from './dsl.js';
import { envOverrides, merge } from './env.js';

/** The whole schema: the core options, services as the protocols define them, registries as their types do. */
export const configSchema = configSchemaWith({ service: serviceSchema, registry: registrySchema, inbound: inboundSchemasOf(PROTOCOLS) });

export class ConfigError extends Error {
  constructor(
    readonly issues: Issue[],
    readonly source: string,
  ) {
    super(`invalid config (${source}):\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** YAML file; omitted means defaults (plus env and flags). */
  file?: string;
  /** YAML text used instead of a file (the embedded demo config). */
  text?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from CLI flags, as a partial config. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: FerryConfig;
  /** Folder that relative paths in the config (proto files) are resolved against. */
  baseDir: string;
}

/** file → `FERRY_*` env → flags, validated once, deep-frozen. Throws ConfigError naming every bad path. */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const source = options.file ?? 'embedded config';
  const text = options.text ?? (options.file ? await readFile(options.file, 'utf8') : '');
  const baseDir = options.file ? dirname(resolve(options.file)) : process.cwd();
  const config = parseConfig(text, source, options.env ?? {}, options.overrides ?? {}, baseDir);
  return { config, baseDir };
}

/** `baseDir`: where relative paths in the config (gRPC `proto`, `includeDirs`) start; they are made absolute here. */
export function parseConfig(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv = {},
  overrides: Record<string, unknown> = {},
  baseDir = process.cwd(),
  protocols: readonly ProtocolEntry[] = PROTOCOLS,
): FerryConfig {
  const schema =
    protocols === PROTOCOLS
      ? configSchema
      : configSchemaWith({ service: serviceSchemaOf(protocols), registry: registrySchema, inbound: inboundSchemasOf(protocols) });
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : yaml.load(text, { filename: source });
  } catch (err) {
    throw new ConfigError([{ path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }], source);
  }
  const merged = merge(merge(doc ?? {}, envOverrides(env, Object.keys(schema.shape))), overrides);
  const { value, issues } = validate(schema, merged);
  const config = value as FerryConfig;
  if (issues.length === 0) {
    for (const [name, svc] of Object.entries(config.services)) {
      svc.name = name;
      const plugin = protocols.find((p) => p.name === svc.protocol);
      plugin?.resolvePaths?.(svc as never, (path) => resolve(baseDir, path));
      plugin?.checkFiles?.(svc as never, `services.${name}`, issues);
    }
    const podIp = env.FERRY_POD_IP ?? env.POD_IP;
    if (!config.advertiseHost && podIp) config.advertiseHost = podIp;
    checkReferences(config, issues);
    checkRegistryUse(config, issues);
  }
  if (issues.length > 0) throw new ConfigError(issues, source);
  return deepFreeze(config);
}
