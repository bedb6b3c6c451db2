// Bundles the compiled sidecar (sidecar/dist/src/main.js and everything it imports, dependencies included) into
// OUT/sidecar/dist/bundle/: main.js plus one chunk per lazily imported part (protocol stacks, registries,
// tracing), minified, with source maps beside them. Called by bundle.sh after it has laid out OUT:
//   node tools/bundle/single.mjs OUT
// Why: Node reads, resolves and compiles each of the ~400 module files of an HTTP-only start one by one (ES
// module records, CommonJS export detection, every file's source kept for lazy compilation); one minified
// file does less of all of it (bench/RESULTS.md, 2026-12-02: start-up CPU and idle RSS).
// Files that locate things beside themselves (`import.meta.url`, `__dirname`, `__filename`) are given the place
// they have in OUT's unbundled copy (bundle.sh keeps sidecar/dist/src and node_modules there), so the console's
// pages, package.json and packages' own files are found as before.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: node tools/bundle/single.mjs OUT');
const { build } = createRequire(`${ROOT}/package.json`)('esbuild');

const BUNDLE_DIR = 'sidecar/dist/bundle';
const UP = `${relative(BUNDLE_DIR, '.')}/`; // from the bundle's folder back to OUT

/** Each chunk's `require` (CommonJS dependencies asking for Node's built-ins) and its own folder's URL. */
const banner =
  "import { createRequire as __ferryCreateRequire } from 'node:module';" +
  'const require = __ferryCreateRequire(import.meta.url);' +
  "const __ferryBundleUrl = new URL('.', import.meta.url);";

const placedAsBefore = {
  name: 'placed-as-before',
  setup(b) {
    b.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (!/import\.meta\.url|__dirname|__filename/.test(text)) return undefined;
      const rel = relative(ROOT, args.path);
      if (rel.startsWith('..')) return undefined;
      const place = `new URL(${JSON.stringify(UP + rel)}, __ferryBundleUrl)`;
      text = text.replaceAll('import.meta.url', `${place}.href`);
      if (/__dirname|__filename/.test(text)) {
        text =
          `var __filename = require('node:url').fileURLToPath(${place}), ` +
          `__dirname = require('node:path').dirname(__filename);\n${text}`;
      }
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Packages fastify requires only on first use (schema compilers, `inject()`), which Ferry's routes never make
 * it use: left out of the bundle and required from node_modules if ever needed, so a start does not parse
 * their ~330 KB (ajv, fast-json-stringify, fast-uri, light-my-request).
 */
const LOADED_ON_FIRST_USE = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];

/**
 * fastify's plugin-utils requires all of semver (47 modules) when it loads, for the version checks of plugins
 * that declare a fastify version; Ferry's plugins declare none. It gets a stand-in that requires semver from
 * node_modules the first time a check reads it.
 */
const semverOnFirstUse = {
  name: 'semver-on-first-use',
  setup(b) {
    b.onResolve({ filter: /^semver$/ }, (args) => {
      if (args.namespace === 'semver-on-first-use') return { path: 'semver', external: true };
      if (!/fastify[\\/]lib[\\/]plugin-utils\.js$/.test(args.importer)) return undefined;
      return { path: 'semver', namespace: 'semver-on-first-use' };
    });
    b.onLoad({ filter: /.*/, namespace: 'semver-on-first-use' }, () => ({
      contents: "let semver; module.exports = new Proxy({}, { get: (_, name) => (semver ??= require('semver'))[name] });",
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'sidecar/dist/src/main.js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  minify: true,
  keepNames: true, // class and function names stay readable in logs and errors
  sourcemap: 'linked',
  legalComments: 'linked',
  banner: { js: banner },
  outdir: resolve(OUT, BUNDLE_DIR),
  external: LOADED_ON_FIRST_USE,
  plugins: [placedAsBefore, semverOnFirstUse],
  logLevel: 'warning',
  metafile: true,
});
const outputs = Object.entries(result.metafile.outputs).filter(([name]) => name.endsWith('.js'));
const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`bundle: ${BUNDLE_DIR}/main.js and ${outputs.length - 1} chunks, ${(bytes / 1048576).toFixed(1)} MiB`);
