// Bundles the compiled sidecar (sidecar/dist/src/main.js and everything it imports, dependencies included) into
// OUT/sidecar/dist/bundle/: sidecar.js, one minified script (CommonJS, wrapped in a function), its source map,
// and main.js, the entry point, which compiles it with V8's code cache when compile-cache.mjs has made one.
// Called by bundle.sh after it has laid out OUT:
//   node tools/bundle/single.mjs OUT
// Why: Node reads, resolves and compiles each of the ~400 module files of an HTTP-only start one by one (ES
// module records, CommonJS export detection, every file's source kept for lazy compilation); one minified
// file does less of all of it (bench/RESULTS.md, 2026-12-02: start-up CPU and idle RSS). One script, not ES
// modules: Node 20 keeps no compile cache for ES modules, and compiling took about a third of a start's CPU.
// Files that locate things beside themselves (`import.meta.url`, `__dirname`, `__filename`) are given the place
// they have in OUT's unbundled copy (bundle.sh keeps sidecar/dist/src and node_modules there), so the console's
// pages, package.json and packages' own files are found as before.
import { createRequire } from 'node:module';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: node tools/bundle/single.mjs OUT');
const { build } = createRequire(`${ROOT}/package.json`)('esbuild');

const BUNDLE_DIR = 'sidecar/dist/bundle';
const UP = `${relative(BUNDLE_DIR, '.')}/`; // from the bundle's folder back to OUT

/**
 * The script is one function, called by main.js with the entry point's `require` (for Node's built-ins and what
 * stays in node_modules) and the bundle's folder; strict, as the ES modules it is made of were. It is the script's
 * value (main.js compiles it with the code cache), and the module's export when Node loads it as a module (with
 * --enable-source-maps, which maps the stack traces of modules only).
 */
const banner =
  "((sidecar) => (typeof module === 'object' ? (module.exports = sidecar) : sidecar))(" +
  'function (require, __ferryBundleDir) {"use strict";' +
  "const __ferryBundleUrl = require('node:url').pathToFileURL(__ferryBundleDir + '/');";
const footer = '\n});';

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

/**
 * The HTTP client reaches undici's Agent and answer helpers through `createRequire` (agent.ts says why), which esbuild
 * cannot follow: the bundle would require those ~30 CommonJS files from node_modules one by one at every start, each
 * compiled without the code cache. Here the two files use the bundle's own `require`, so they are bundled.
 */
const undiciBundled = {
  name: 'undici-bundled',
  setup(b) {
    b.onLoad({ filter: /[\\/]protocols[\\/]http[\\/](agent|answer)\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const plain = text
        .replace(/^import \{ createRequire \} from 'node:module';\n/m, '')
        .replace(/^const require = createRequire\(import\.meta\.url\);\n/m, '');
      if (plain.includes('createRequire')) throw new Error(`${args.path}: createRequire left after rewriting`);
      return { contents: plain, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { sidecar: 'sidecar/dist/src/main.js' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: ['node20'],
  minify: true,
  keepNames: true, // class and function names stay readable in logs and errors
  sourcemap: 'linked',
  legalComments: 'linked',
  banner: { js: banner },
  footer: { js: footer },
  // the lazily imported parts are parts of the one script; import() would need a module loader in a vm script
  supported: { 'dynamic-import': false },
  outdir: resolve(OUT, BUNDLE_DIR),
  external: LOADED_ON_FIRST_USE,
  plugins: [undiciBundled, placedAsBefore, semverOnFirstUse],
  logLevel: 'warning',
  metafile: true,
});
const bundleDir = resolve(OUT, BUNDLE_DIR);
await copyFile(resolve(ROOT, 'tools/bundle/main.cjs'), resolve(bundleDir, 'main.js'));
await copyFile(resolve(ROOT, 'tools/bundle/cache-key.cjs'), resolve(bundleDir, 'cache-key.js'));
// OUT's package.json makes .js files ES modules; these are CommonJS
await writeFile(resolve(bundleDir, 'package.json'), '{ "type": "commonjs" }\n');
const [, { bytes }] = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('/sidecar.js'));
console.log(`bundle: ${BUNDLE_DIR}/main.js and sidecar.js, ${(bytes / 1048576).toFixed(1)} MiB`);
