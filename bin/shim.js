#!/usr/bin/env node
// Entry of the installed `shim` binary and of every tool link pointing at it. CommonJS (bin/package.json)
// so that a tool link, the hot path, never starts Node's ES module loader: a link loads dist/link.cjs,
// one file, with its compiled code cached between runs (Node >= 22.1: Node's own compile cache; Node
// 20: V8's code cache, kept in shim's cache directory and keyed by the bundle's identity). `shim`
// itself loads the CLI, dist/shim.mjs.
'use strict';
const path = require('node:path');
const mod = require('node:module');

const base = path.basename(process.argv[1] || 'shim');
if (base === 'shim' || base === 'shim.js' || base === 'shim.mjs' || !process.argv[1]) {
  mod.enableCompileCache?.();
  import('../dist/shim.mjs');
} else if (mod.enableCompileCache) {
  mod.enableCompileCache();
  require('../dist/link.cjs');
} else {
  loadWithCodeCache(path.join(__dirname, '..', 'dist', 'link.cjs'));
}

/** Runs a CommonJS file through vm.Script with V8's code cache; any trouble with the cache only means
 *  compiling from source. The cache lies in shim's cache directory (0700, a protected path no tool can
 *  mount), and names the file's device, inode, size and time and the Node version it was made for. */
function loadWithCodeCache(file) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const st = fs.statSync(file);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${process.version}:${process.arch}\n`;
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME || require('node:os').homedir();
  const dir = path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'shim');
  const cacheFile = path.join(dir, 'link-code-cache');
  let cachedData;
  try {
    const buf = fs.readFileSync(cacheFile);
    if (buf.subarray(0, key.length).toString() === key) cachedData = buf.subarray(key.length);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(mod.wrap(fs.readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    // made at exit, so it holds every function this run compiled, not only the top level
    process.once('exit', () => {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
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
