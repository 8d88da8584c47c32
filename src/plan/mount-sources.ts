// Checks each configured mount source on the host (this touches the file system, so it runs before
// planning and hands the planner plain facts): real paths, what kind of file each is, whether it holds
// a .git. The decisions are made by mount-policy.ts; a refusal is a ConfigError (exit 125).
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { ConfigError } from '../errors.js';
import { decideMounts, type MountSourceFacts } from './mount-policy.js';
import { expandMountSource, isVolumeName, type MountFact } from './mounts.js';
import { namedVolume } from './names.js';
import { realpathLoose, type ProtectedPath } from './protected-paths.js';

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

/** Resolves every mount source to its real path (a missing source is an error, never created), then
 *  applies the mount policy against the protected paths (see resolveProtectedPaths). */
export function inspectMountSources(tool: ResolvedTool, cwd: string, home: string, protectedPaths: readonly ProtectedPath[]): MountFact[] {
  const facts = tool.mounts.map((config, i): MountSourceFacts => {
    if (isVolumeName(config.src)) return { config, expanded: config.src, real: '', kind: 'directory', volume: namedVolume(tool.name, config.src) };
    const where = `${tool.name}.mounts[${i}].src`;
    const expanded = expandMountSource(config.src, cwd, home);
    let real: string;
    try {
      real = fs.realpathSync(expanded);
    } catch {
      throw new ConfigError(
        `${where}: ${JSON.stringify(config.src)} resolves to ${expanded}, which does not exist`,
        'create it first (shim never creates mount sources), or fix the path',
      );
    }
    const kind = kindOf(fs.statSync(real));
    const git = kind === 'directory' ? gitFacts(real) : undefined;
    return { config, expanded, real, kind, ...(git ? { git } : {}) };
  });
  const decision = decideMounts({
    tool: tool.name,
    gitWritable: tool.git_writable,
    mounts: facts,
    protectedPaths,
    cwd: realpathLoose(cwd),
    home: realpathLoose(home),
  });
  if (decision.ok) return decision.mounts;
  const [first, ...more] = decision.violations;
  if (!more.length) throw new ConfigError(first!.message, first!.hint);
  const hints = [...new Set(decision.violations.map((v) => v.hint))];
  throw new ConfigError(`${tool.name}: ${decision.violations.length} mount problems:\n${decision.violations.map((v) => v.message).join('\n')}`, hints.join('; '));
}
