'use strict';
// B11's startup snapshot of a tool link's run path (scripts/bench-launcher.mjs), built with
//   node --snapshot-blob BLOB --build-snapshot scripts/bench-launcher-snapshot.cjs
// with LINK_BUNDLE=dist/link.cjs in the environment: the bundle is evaluated into the snapshot (every
// module initialised, the built-ins it requires loaded) and its main() is deferred to the start from
// the snapshot, `node --snapshot-blob BLOB LINK ARGS…`, where process.argv[1] is the link. A prototype
// for measuring, not shim's launcher: the bundle's module code must not read the environment, the
// clock or the file system at load time, or the snapshot would carry the build's values (see the
// README's Speed section).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundle = process.env.LINK_BUNDLE;
const tail = /main\(\)\.then\(\(code2\) => \{\s*process\.exitCode = code2;\s*\}\);/;
const src = fs.readFileSync(bundle, 'utf8');
if (!tail.test(src)) throw new Error(`${bundle}: its main() call was not found (has the build changed?)`);
const mod = { exports: {} };
vm.compileFunction(src.replace(tail, 'globalThis.__shimLinkMain = main;'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: bundle })(mod.exports, require, mod, bundle, path.dirname(bundle));
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  globalThis.__shimLinkMain().then((code) => {
    process.exitCode = code;
  });
});
