#!/usr/bin/env node
// The bundle's entry point (copied to OUT/sidecar/dist/bundle/main.js by single.mjs): compiles sidecar.js, the
// whole sidecar as one script, with V8's code cache from sidecar.js.cache (made by compile-cache.mjs) and runs it.
// With the cache V8 neither parses the script nor compiles the functions a start runs; without it, or when V8
// refuses it (another Node version, or flags such as --max-old-space-size), it compiles them as usual.
// `NODE_DEBUG=ferry-bundle` tells which. With --enable-source-maps Node loads it as a module instead: Node maps
// the stack traces of modules it loads, not of scripts.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { debuglog } = require('node:util');
const { cacheFor, CACHE_FILE } = require('./cache-key.js');

const file = join(__dirname, 'sidecar.js');
const sidecar = process.sourceMapsEnabled ? require(file) : compiled();
sidecar(require, __dirname);

function compiled() {
  const bytes = readFileSync(file);
  const cachedData = cacheFor(bytes, join(__dirname, CACHE_FILE));
  // latin1: the minified script is ASCII (esbuild escapes the rest), and this decoding does not scan for UTF-8
  const script = new Script(bytes.latin1Slice(), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache = cachedData ? (script.cachedDataRejected ? 'refused' : 'used') : 'absent';
  debuglog('ferry-bundle')('code cache %s', cache);
  return script.runInThisContext();
}
