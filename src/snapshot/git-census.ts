// After a run that could write the project: which git repositories appeared below its writable
// directories, and which existing ones had their config or hooks changed (a repository's config and
// hooks run commands on the host as soon as anyone runs git there: core.fsmonitor, core.hooksPath,
// hooks/*). Only names and stat facts are read, through race-safe descriptors; git is never run.
import fs from 'node:fs';
import path from 'node:path';
import { MOUNT_WALK_LIMIT } from '../defaults.js';
import { decodeName } from '../plan/snapshot-names.js';
import { components, RootedTree } from './rooted.js';
import { findGits } from './scan.js';

/** Every .git below the roots (absolute, manifest-spelled below the root) with a fingerprint of what in
 *  it can run code: its kind and inode, its config and every hook (inode, size, mtime). */
export type GitCensus = Map<string, string>;

const facts = (st: fs.Stats | undefined) => (st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}` : '-');

function fingerprint(tree: RootedTree, rel: string): string {
  const parts = components(decodeName(rel) ?? Buffer.alloc(0));
  const dir = parts.slice(0, -1);
  const name = parts.at(-1)!;
  const st = tree.lstat(dir, name);
  if (!st?.isDirectory()) return `${st?.isSymbolicLink() ? 'link' : 'file'} ${facts(st)}`;
  const git = [...dir, name];
  const hooks = tree.lstat(git, Buffer.from('hooks'))?.isDirectory() ? tree.readdir([...git, Buffer.from('hooks')]) : [];
  const hookFacts = hooks.map((h) => `${h.name.toString('hex')}=${facts(tree.lstat([...git, Buffer.from('hooks')], h.name))}`).sort();
  return `dir ${st.ino} config=${facts(tree.lstat(git, Buffer.from('config')))} hooks=${hookFacts.join(',')}`;
}

/** The census of the given directories. A directory it could not read is in it as "unreadable", and one
 *  past the walk limit as "too many entries", so either shows as new after the run. */
export function gitCensus(roots: readonly string[]): GitCensus {
  const out: GitCensus = new Map();
  for (const root of roots) {
    let tree: RootedTree;
    try {
      tree = new RootedTree(root);
    } catch {
      continue;
    }
    try {
      const unreadable = (dir: string) => out.set(path.join(root, dir), UNREADABLE);
      const gits = findGits(tree, MOUNT_WALK_LIMIT, unreadable);
      // past the limit the tool, which chose how many entries there are, would hide a .git: say so
      if (!gits) out.set(root, TOO_MANY);
      for (const rel of gits ?? []) out.set(path.join(root, rel), fingerprint(tree, rel));
    } finally {
      tree.close();
    }
  }
  return out;
}

/** What a census before the run would find, known without a walk: every .git below a writable
 *  directory is mounted read-only over it (the run is refused when the walk that finds them is cut
 *  short), so the policy's read-only .git mounts are all of them, and none can change during the run. */
export function overlaidGits(mounts: readonly { src: string; mode: 'ro' | 'rw' }[], roots: readonly string[]): GitCensus {
  const inRoot = (src: string) => roots.some((r) => src.startsWith(`${r}/`));
  return new Map(mounts.filter((m) => m.mode === 'ro' && path.basename(m.src) === '.git' && inRoot(m.src)).map((m) => [m.src, READ_ONLY]));
}

/** The fingerprint of a .git that was read-only during the run, and the mark of a directory the census
 *  could not look into. */
const READ_ONLY = 'read-only';
const UNREADABLE = 'unreadable';
const TOO_MANY = 'too many entries';

/** The warnings for what changed between two censuses, naming each repository. */
export function gitCensusWarnings(tool: string, before: GitCensus, after: GitCensus): string[] {
  const made = [...after.keys()].filter((g) => !before.has(g) && after.get(g) !== UNREADABLE && after.get(g) !== TOO_MANY).sort();
  const hidden = [...after.keys()].filter((g) => !before.has(g) && after.get(g) === UNREADABLE).sort();
  const uncounted = [...after.keys()].filter((g) => !before.has(g) && after.get(g) === TOO_MANY).sort();
  const changed = [...after.keys()].filter((g) => before.has(g) && before.get(g) !== READ_ONLY && before.get(g) !== after.get(g)).sort();
  const out: string[] = [];
  if (made.length) {
    out.push(`${tool} made ${made.length === 1 ? 'a git repository' : `${made.length} git repositories`}: ${made.join(', ')}. Its config or hooks can run commands on this host as soon as git runs there (a shell prompt, an editor): check it, or remove it (rm -rf), or run \`shim snapshot restore <run id>\`, which removes a .git the snapshot did not have`);
  }
  if (hidden.length) {
    out.push(`${tool} left ${hidden.join(', ')} unreadable: shim could not look for git repositories inside (one made there would run its config on this host as soon as git runs in it); check it before running git there`);
  }
  if (uncounted.length) {
    out.push(`${tool} left more than ${MOUNT_WALK_LIMIT} entries in ${uncounted.join(', ')}: shim could not look for git repositories there (one made there would run its config on this host as soon as git runs in it); check before running git there`);
  }
  if (changed.length) {
    out.push(`${tool} changed the config or hooks of ${changed.join(', ')}: they can run commands on this host as soon as git runs there; check them before running git`);
  }
  return out;
}
