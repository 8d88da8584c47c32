// Bundles src/ into ESM (entry dist/shim.mjs) so an installed shim needs no dependencies and starts fast.
// Code splitting: modules loaded with a dynamic import() (the MCP SDK, for `shim mcp` only) go into
// their own files under dist/chunks/ and are never parsed by other commands.
import { build } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

// zod re-exports all of its ~60 message locales; shim only ever uses English. Resolving zod's locale
// index to a module exporting `en` alone drops a third of the bundle that every run would compile.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.resolve(args.resolveDir, '../locales/index.js'), namespace: 'zod-locales', pluginData: path.resolve(args.resolveDir, '../locales') }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const result = await build({
  entryPoints: { shim: 'src/main.ts', proxy: 'src/proxy/main.ts', session: 'src/session/supervisor-main.ts' },
  // a native addon (prebuilt per platform): loaded from node_modules, by the session supervisor only
  external: ['@lydell/node-pty'],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // prefer ESM builds: jsonc-parser's UMD build hides its requires from the bundler
  mainFields: ['module', 'main'],
  minifySyntax: true,
  legalComments: 'none',
  define: { __SHIM_VERSION__: JSON.stringify(pkg.version) },
  // some bundled dependencies are CommonJS and call require() for node built-ins (in every output file:
  // each chunk is its own module scope)
  banner: { js: "import { createRequire as __shimRequire } from 'node:module'; const require = __shimRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  plugins: [zodEnglishOnly],
});

// The bundle of tool links (bin/shim.js loads it for any name but shim's own): the same entry as
// CommonJS, which Node starts faster than ES modules (no ESM loader) and which bin/shim.js can hand to
// V8's code cache on Node 20 (vm.Script cachedData). The CLI is left out (__SHIM_LINK_ONLY__), and what
// a link needs only now and then goes in files of their own, loaded (required) only when used: the
// config files' validation (zod, on a config cache miss) and execa (installs, image builds, queries).
const LINK_APART = { execa: './link-execa.cjs', './with-config-files.js': './link-config.cjs' };
const linkApart = {
  name: 'link-apart',
  setup(b) {
    b.onResolve({ filter: /^(execa|\.\/with-config-files\.js)$/ }, (args) => ({ path: LINK_APART[args.path], external: true }));
  },
};
const cjs = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  mainFields: ['module', 'main'],
  minifySyntax: true,
  legalComments: 'none',
  // import() of the files apart becomes require(), resolved next to dist/link.cjs
  supported: { 'dynamic-import': false },
  define: { __SHIM_VERSION__: JSON.stringify(pkg.version), __SHIM_LINK_ONLY__: 'true', 'import.meta.dirname': '__dirname' },
  logLevel: 'warning',
};
await build({ ...cjs, entryPoints: { link: 'src/main.ts' }, plugins: [linkApart] });
// every module of the bundle wraps the built-ins it imports by default (`import fs from 'node:fs'`) in
// an object of its own, a getter per export (fs has over a hundred): once per built-in is enough
const linkFile = path.join('dist', 'link.cjs');
const linkText = await readFile(linkFile, 'utf8');
await writeFile(
  linkFile,
  `${linkText.replace(/__toESM\(require\("(node:[a-z_/]+)"\), 1\)/g, '__shimBuiltin("$1")')}function __shimBuiltin(name) {\n  return (__shimBuiltin.cache ??= {})[name] ??= __toESM(require(name), 1);\n}\n`,
);
await build({ ...cjs, entryPoints: { 'link-config': 'src/app/with-config-files.ts', 'link-execa': 'execa' }, plugins: [zodEnglishOnly] });

// chunks of earlier builds (other hashes) would ship in the package: remove them after the build, so
// dist/ is never missing a file a running shim needs
const chunks = path.join('dist', 'chunks');
const current = new Set(Object.keys(result.metafile.outputs).map((f) => path.normalize(f)));
for (const name of await readdir(chunks)) {
  const file = path.join(chunks, name);
  if (!current.has(file)) await rm(file, { force: true });
}
