#!/usr/bin/env bash
# Makes the self-contained production bundle of Ferry, exactly what the image holds (see Dockerfile):
#   bash tools/bundle/bundle.sh OUT_DIR [--tar]
# OUT_DIR gets the compiled sidecar and SDK (no tests), the console's pages, their package.json files, the lockfile, and
# node_modules with production dependencies only (npm ci --omit=dev, from the npm cache when it has them).
# and OUT_DIR/sidecar/dist/bundle/: the same sidecar as one minified script (single.mjs) with V8's code cache of it
# (compile-cache.mjs), which the image starts (it starts faster and holds less memory than the ~400 separate files).
# Run `npm run build` first. Start it from anywhere: node OUT_DIR/sidecar/dist/bundle/main.js [--config FILE | injector …]
# (node OUT_DIR/sidecar/dist/src/main.js is the same program, unbundled).
# --tar also writes OUT_DIR.tgz.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:?usage: bundle.sh OUT_DIR [--tar]}"
[[ -f "$ROOT/sidecar/dist/src/main.js" && -f "$ROOT/sdk/dist/src/index.js" && -f "$ROOT/sidecar/dist/console/index.html" ]] || { echo "bundle: build first (npm run build)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$OUT/"
for ws in sdk sidecar bench; do mkdir -p "$OUT/$ws" && cp "$ROOT/$ws/package.json" "$OUT/$ws/"; done
mkdir -p "$OUT/sdk/dist" "$OUT/sidecar/dist"
cp -R "$ROOT/sdk/dist/src" "$OUT/sdk/dist/src"
cp -R "$ROOT/sidecar/dist/src" "$OUT/sidecar/dist/src"
cp -R "$ROOT/sidecar/dist/console" "$OUT/sidecar/dist/console"   # the admin port's console pages
# the lockfile names all three workspaces; only the sidecar's production tree (with the SDK) is installed
(cd "$OUT" && npm ci --omit=dev --workspace=sidecar --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$OUT/bench"
find "$OUT" -name '*.d.ts' -delete -o -name '*.d.ts.map' -delete -o -name '*.js.map' -delete -o -name '*.tsbuildinfo' -delete
node "$ROOT/tools/bundle/single.mjs" "$OUT"   # after the clean-up: its source maps stay
node "$ROOT/tools/bundle/compile-cache.mjs" "$OUT" >/dev/null   # Ferry's log of the warm-up start
if [[ "${2:-}" == "--tar" ]]; then tar -C "$(dirname "$OUT")" -czf "$OUT.tgz" "$(basename "$OUT")"; fi
echo "bundle: $OUT ($(du -sh "$OUT" | cut -f1))"
