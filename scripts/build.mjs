// Bundles src/ into one ESM file (dist/shim.mjs) so an installed shim needs no dependencies and starts fast.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/shim.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // prefer ESM builds: jsonc-parser's UMD build hides its requires from the bundler
  mainFields: ['module', 'main'],
  minifySyntax: true,
  legalComments: 'none',
  define: { __SHIM_VERSION__: JSON.stringify(pkg.version) },
  // some bundled dependencies are CommonJS and call require() for node built-ins
  banner: { js: "import { createRequire as __shimRequire } from 'node:module'; const require = __shimRequire(import.meta.url);" },
  logLevel: 'warning',
});
