// Writes the JSON Schemas shim ships (schema/config.schema.json, schema/settings.schema.json), generated
// from the zod schemas in src/config/. `node scripts/schema.mjs --check` only compares and exits 1 when a
// file is out of date. Needs no build: src/config/json-schema.ts is bundled in memory with esbuild.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const { outputFiles } = await build({
  entryPoints: [path.join(root, 'src/config/json-schema.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const { SCHEMA_FILES, schemaText } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);

let stale = 0;
for (const [which, rel] of Object.entries(SCHEMA_FILES)) {
  const file = path.join(root, rel);
  const text = schemaText(which);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === text) continue;
  if (check) {
    console.error(`${rel} is out of date: run "node scripts/schema.mjs"`);
    stale++;
  } else {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    console.error(`wrote ${rel}`);
  }
}
process.exitCode = stale ? 1 : 0;
