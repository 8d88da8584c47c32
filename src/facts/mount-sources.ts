// Looks at each configured mount source on the host (real path, what kind of file, whether it holds a
// .git, and what lies below it: nested .git entries and unix sockets, found by a bounded walk) and hands
// the planner plain facts; the decisions are plan/mount-policy.ts's. A missing source is an error here
// (shim never creates one).
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { MOUNT_WALK_LIMIT } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { expandMountSource, isVolumeName } from '../path-helpers.js';
import { protectedCollision, type MountSourceFacts } from '../plan/mount-policy.js';
import type { ProtectedPath } from '../plan/protected-paths.js';
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

/** Walks the tree below `dir` without following links: every `.git` below its top (relative paths) and
 *  every socket, looking at `limit` entries at most. A .git directory is not searched for more .git
 *  entries (it is overlaid whole), and its objects are skipped (only packs and loose objects live there). */
export function walkMountTree(dir: string, limit: number = MOUNT_WALK_LIMIT): NonNullable<MountSourceFacts['tree']> {
  const gits: { rel: string; kind: 'directory' | 'file' | 'symlink' | 'other' }[] = [];
  const sockets: string[] = [];
  let seen = 0;
  const stack: { rel: string; inGit: boolean }[] = [{ rel: '', inGit: false }];
  while (stack.length) {
    const { rel, inGit } = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue; // unreadable for the user, so unreadable for the tool too
    }
    for (const e of entries) {
      if (++seen > limit) return { gits, sockets, complete: false, limit };
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSocket()) sockets.push(path.join(dir, r));
      if (e.name === '.git' && !inGit && rel !== '') {
        gits.push({ rel: r, kind: e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other' });
      }
      if (e.isDirectory() && !(inGit && e.name === 'objects')) stack.push({ rel: r, inGit: inGit || e.name === '.git' });
    }
  }
  return { gits, sockets, complete: true, limit };
}

export interface InspectOptions {
  /** A source colliding with one of these (and not allow_sensitive) is refused anyway: it is not walked
   *  (walking "/" or $HOME would only cost time). */
  protectedPaths?: readonly ProtectedPath[];
  walkLimit?: number;
  /** The setup (names.ts buildSetupId) whose named volumes the tool's volume sources are. */
  setup: string;
}

/** Every mount source of `tool` resolved against the project root `root` (what "." means) and `home`. */
export function inspectMountSources(tool: ResolvedTool, root: string, home: string, options: InspectOptions): MountSourceFacts[] {
  const refusedAnyway = (real: string) => (options.protectedPaths ?? []).some((p) => protectedCollision(real, p));
  return tool.mounts.map((config, i): MountSourceFacts => {
    if (isVolumeName(config.src)) return { config, expanded: config.src, real: '', kind: 'directory', volume: namedVolume(tool.name, config.src, options.setup) };
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
    const walk = kind === 'directory' && (config.allow_sensitive || !refusedAnyway(real));
    const tree = walk ? walkMountTree(real, options.walkLimit) : undefined;
    return { config, expanded, real, kind, ...(git ? { git } : {}), ...(tree ? { tree } : {}) };
  });
}
