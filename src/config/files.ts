// Which config files exist, in layering order. Schema-free: the fast path of a tool link stats exactly
// these files to decide whether its cached config is still current.
import fs from 'node:fs';
import path from 'node:path';
import type { ShimPaths } from './paths.js';

/** Lists the tool config files in layering order: config.json, then config.d/*.json sorted by name. */
export function listConfigFiles(paths: ShimPaths): string[] {
  const files = fs.existsSync(paths.configFile) ? [paths.configFile] : [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(paths.configDropInDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = path.join(paths.configDropInDir, name);
    if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) files.push(file);
  }
  return files;
}
