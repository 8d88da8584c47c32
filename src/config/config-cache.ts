// The validated config of the last full load, cached for tool links: a link whose config files are
// unchanged (same paths, sizes, modification times and inodes, same shim version) and that has no
// project .shim.json in reach uses it without loading the schema validator. Any difference, or any
// doubt, means the full load. Only shim writes it, from a load it validated itself, into the user's
// own cache directory (as trusted as the config directory it mirrors).
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lock.js';
import { listConfigFiles } from './files.js';
import type { ConfigLayer, LoadedConfig } from './load.js';
import type { ShimPaths } from './paths.js';
import { findProjectFile } from './project-file.js';

const CACHE_NAME = 'config-cache.json';

/** The identity of every input of a load: what must be unchanged for the cache to be current. */
export function configStamp(paths: ShimPaths, version: string): string {
  const stat = (file: string) => {
    const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : '-';
  };
  const files = listConfigFiles(paths);
  // the drop-in directory's own times change when a file is added, removed or renamed in it
  const inputs = [paths.settingsFile, paths.configFile, paths.configDropInDir, ...files];
  return JSON.stringify({ version, inputs: inputs.map((f) => [f, stat(f)]) });
}

interface CacheFile {
  stamp: string;
  config: Omit<LoadedConfig, 'layers' | 'project'> & { layers: (Omit<ConfigLayer, 'tools'> & { tools: [string, unknown][] })[] };
}

function cacheFile(paths: ShimPaths): string {
  return path.join(paths.cacheDir, CACHE_NAME);
}

/** The cached config when it is current for these files and this directory, else undefined. */
export function readCachedConfig(paths: ShimPaths, version: string, cwd: string, home: string): LoadedConfig | undefined {
  try {
    if (findProjectFile(cwd, home)) return undefined;
    const cached = JSON.parse(fs.readFileSync(cacheFile(paths), 'utf8')) as CacheFile;
    if (cached.stamp !== configStamp(paths, version)) return undefined;
    const { layers, ...rest } = cached.config;
    return { ...rest, layers: layers.map((l) => ({ ...l, tools: new Map(l.tools) as ConfigLayer['tools'] })) };
  } catch {
    return undefined;
  }
}

/** Stores a config loaded (and validated) from the files `stamp` describes; never a project's. */
export function writeCachedConfig(paths: ShimPaths, stamp: string, config: LoadedConfig): void {
  if (config.project) return;
  const data: CacheFile = { stamp, config: { ...config, layers: config.layers.map((l) => ({ ...l, tools: [...l.tools] })) } };
  try {
    writeFileAtomic(cacheFile(paths), JSON.stringify(data), { file: 0o600, dir: 0o700 });
  } catch {
    // a cache that cannot be written only costs the next link its fast path
  }
}
