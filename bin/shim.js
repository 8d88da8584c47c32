#!/usr/bin/env node
// Entry of the installed `shim` binary and of every tool link pointing at it. CommonJS (bin/package.json)
// so that a tool link, the hot path, never starts Node's ES module loader: a link loads dist/link.cjs,
// one file, with V8's code cache of it kept between runs in shim's cache directory (0700, a protected
// path no tool can mount), keyed by the bundle's identity. `shim` itself loads the CLI, dist/shim.mjs.
'use strict';
const path = require('node:path');
const mod = require('node:module');

const xdg = process.env.XDG_CACHE_HOME;
const cacheDir = path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(process.env.HOME || require('node:os').homedir(), '.cache'), 'shim');
const base = path.basename(process.argv[1] || 'shim');
const cli = base === 'shim' || base === 'shim.js' || base === 'shim.mjs';
if (cli) {
  // Node >= 22.1 caches the CLI's compiled modules: in shim's own directory (0700, made so here before
  // Node makes it with its default mode), not Node's default under /tmp, where another user could have
  // made it first
  if (mod.enableCompileCache) {
    try {
      require('node:fs').mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      mod.enableCompileCache(path.join(cacheDir, 'node-compile-cache'));
    } catch {
      // runs without the cache
    }
  }
  import('../dist/shim.mjs');
} else {
  // V8's code cache directly, on every Node: measured on Node 26, a link starts ~9 ms sooner this way
  // than through Node's own compile cache
  loadWithCodeCache(path.join(__dirname, '..', 'dist', 'link.cjs'));
}

/** Runs a CommonJS file through vm.Script with V8's code cache; any trouble with the cache only means
 *  compiling from source. The cache names the file's device, inode, size and time and the Node version
 *  it was made for (V8 itself checks only the source's length). */
function loadWithCodeCache(file) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const st = fs.statSync(file);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${process.version}:${process.arch}\n`;
  // one file per Node version, so two Node versions in use do not keep replacing each other's cache
  const cacheFile = path.join(cacheDir, `link-code-${process.version}-${process.arch}.cache`);
  let cachedData;
  try {
    const buf = fs.readFileSync(cacheFile);
    if (buf.subarray(0, key.length).toString() === key) cachedData = buf.subarray(key.length);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(mod.wrap(fs.readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) {
    // made at exit, so it holds every function this run compiled, not only the top level
    process.once('exit', () => {
      try {
        fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(key), script.createCachedData()]), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
      } catch {
        // the next run compiles again
      }
    });
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, mod.createRequire(file), module, file, path.dirname(file));
}
