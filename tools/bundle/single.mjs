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
  plugins: [placedAsBefore],
  logLevel: 'warning',
  metafile: true,
});
const outputs = Object.entries(result.metafile.outputs).filter(([name]) => name.endsWith('.js'));
const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`bundle: ${BUNDLE_DIR}/main.js and ${outputs.length - 1} chunks, ${(bytes / 1048576).toFixed(1)} MiB`);
