// Looks at each configured mount source on the host (real path, what kind of file, whether it holds a
// .git) and hands the planner plain facts; the decisions are plan/mount-policy.ts's. A missing source
// is an error here (shim never creates one).
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { ConfigError } from '../errors.js';
import { expandMountSource, isVolumeName } from '../path-helpers.js';
import type { MountSourceFacts } from '../plan/mount-policy.js';
import { namedVolume } from '../plan/names.js';
import { realpathLoose } from './realpath.js';

function kindOf(stat: fs.Stats): 'directory' | 'file' | 'other' {
  return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
}

function gitFacts(dir: string): MountSourceFacts['git'] {
  const git = path.join(dir, '.git');
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(git);
  } catch {
    return undefined;
  }
  if (stat.isSymbolicLink()) return { kind: 'symlink', real: realpathLoose(git) };
  return { kind: stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other', real: git };
}

/** Every mount source of `tool` resolved against the project root `root` (what "." means) and `home`. */
export function inspectMountSources(tool: ResolvedTool, root: string, home: string): MountSourceFacts[] {
  return tool.mounts.map((config, i): MountSourceFacts => {
    if (isVolumeName(config.src)) return { config, expanded: config.src, real: '', kind: 'directory', volume: namedVolume(tool.name, config.src) };
    const expanded = expandMountSource(config.src, root, home);
    let real: string;
    try {
      real = fs.realpathSync(expanded);
    } catch {
      throw new ConfigError(
        `${tool.name}.mounts[${i}].src: ${JSON.stringify(config.src)} resolves to ${expanded}, which does not exist`,
        'create it first (shim never creates mount sources), or fix the path',
      );
    }
    const kind = kindOf(fs.statSync(real));
    const git = kind === 'directory' ? gitFacts(real) : undefined;
    return { config, expanded, real, kind, ...(git ? { git } : {}) };
  });
}
