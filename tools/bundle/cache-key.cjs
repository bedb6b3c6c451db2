// The bundle's code cache file (sidecar.js.cache): the SHA-1 of the script it was made from, then V8's data. V8
// checks only the script's length (and its own version and flags): a script edited in place, or rebuilt without a
// new cache, must not run functions compiled from another one. Copied beside main.js by single.mjs.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const CACHE_FILE = 'sidecar.js.cache';
const KEY_BYTES = 20;

const key = (script) => createHash('sha1').update(script).digest();

/** V8's data for `script` (its bytes) in the file at `path`; undefined when there is none, or it is another's. */
function cacheFor(script, path) {
  let cache;
  try {
    cache = readFileSync(path);
  } catch {
    return undefined;
  }
  return cache.subarray(0, KEY_BYTES).equals(key(script)) ? cache.subarray(KEY_BYTES) : undefined;
}

/** The cache file's content for V8's `data` of `script` (its bytes). */
const cacheFileContent = (script, data) => Buffer.concat([key(script), data]);

module.exports = { CACHE_FILE, cacheFor, cacheFileContent };
