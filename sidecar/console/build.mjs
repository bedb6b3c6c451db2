// `npm run build`: bundles the console (sidecar/console/src) into sidecar/dist/console/, the static files the
// admin port serves. Type checking is tsc's (sidecar/console/tsconfig.json); esbuild only bundles.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';

const src = new URL('./src/', import.meta.url);
const out = new URL('../dist/console/', import.meta.url);
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: new URL('main.tsx', src).pathname },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out.pathname,
  logLevel: 'warning',
});
await copyFile(new URL('index.html', src), new URL('index.html', out));
await copyFile(new URL('favicon.svg', src), new URL('favicon.svg', out));
