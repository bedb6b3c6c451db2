/**
 * A CommonJS package's exports from a dynamic `import()`: Node gives them as named exports and as `default`, the
 * image's bundle (esbuild) as `default` only.
 */
export function commonJs<T>(mod: T): T {
  return (mod as { default?: T }).default ?? mod;
}
