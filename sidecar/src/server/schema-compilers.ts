/**
 * Fastify requires its JSON-schema compilers (ajv and fast-json-stringify, ~100 module files) whenever an instance
 * is made, though they only run for routes that declare a schema — and Ferry's routes declare none (bodies are
 * checked by hand). These factories require the very same compilers, resolved from fastify's own dependencies,
 * the first time a schema needs one, so an instance without schemas never loads them.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factory = (...args: unknown[]) => unknown;

const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** Fastify's own factory from `module`, made on first use (each selector caches what it compiles). */
function onFirstUse(module: string): Factory {
  let factory: Factory | undefined;
  return (...args) => (factory ??= (fromFastify(module) as () => Factory)())(...args);
}

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** The `schemaController` option of every Ferry fastify instance. */
export function lazySchemaCompilers(): { compilersFactory: Compilers } {
  return {
    compilersFactory: {
      buildValidator: onFirstUse('@fastify/ajv-compiler') as Compilers['buildValidator'],
      buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler') as Compilers['buildSerializer'],
    },
  };
}
