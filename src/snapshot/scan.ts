// Which files a snapshot covers and their stat facts. In a git work tree: git's own view (tracked plus
// untracked-but-not-ignored, `git ls-files --cached --others --exclude-standard`), so .gitignore,
// .git/info/exclude and the global excludes all count and .git itself is never listed. Elsewhere: every
// file below the directory except .git directories (no ignore rules). Names are raw bytes throughout
// (any name Linux allows), spelled for the manifest by plan/snapshot-names.ts; every lstat goes through
// the race-safe RootedTree.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { SnapshotError } from '../errors.js';
import { encodeName } from '../plan/snapshot-names.js';
import { components, type RootedTree } from './rooted.js';

/** One candidate path with what lstat said: `key` is its manifest spelling, `dir` and `name` its bytes. */
export interface ScannedPath {
  key: string;
  /** The path's bytes, "/"-separated. */
  raw: Buffer;
  dir: Buffer[];
  name: Buffer;
  stat: fs.Stats;
}

export interface Scan {
  listing: 'git' | 'walk';
  paths: ScannedPath[];
  files: number;
  bytes: number;
}

// why: a repository's config could name an fsmonitor hook, which git would run for ls-files
const SLASH = 0x2f;

const GIT_SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false'];

function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
}

/** True when `dir` is the top of a git work tree or inside one. */
export function inGitWorkTree(dir: string, env: NodeJS.ProcessEnv): boolean {
  try {
    return execFileSync('git', [...GIT_SAFE, '-C', dir, 'rev-parse', '--is-inside-work-tree'], { env: gitEnv(env), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'true';
  } catch {
    return false;
  }
}

function gitList(dir: string, env: NodeJS.ProcessEnv): Buffer[] {
  let out: Buffer;
  try {
    out = execFileSync('git', [...GIT_SAFE, '-C', dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], { env: gitEnv(env), maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new SnapshotError(`git could not list the files of ${dir}: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`, 'check `git status` there');
  }
  const names: Buffer[] = [];
  for (let start = 0, i = out.indexOf(0); i !== -1; start = i + 1, i = out.indexOf(0, start)) if (i > start) names.push(out.subarray(start, i));
  return names;
}

function walk(tree: RootedTree, limit: number, from: readonly Buffer[][] = [[]]): Buffer[] {
  const out: Buffer[] = [];
  const stack: Buffer[][] = [...from];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const d of readable(tree, dir) ?? []) {
      if (d.name.toString('latin1') === '.git') continue;
      if (d.isDirectory()) stack.push([...dir, d.name]);
      else out.push(Buffer.concat([...dir.flatMap((c) => [c, Buffer.from('/')]), d.name]));
      // past the cap the count is all that matters: stop early, the caller refuses with the number
      if (out.length > limit) return out;
    }
  }
  return out;
}

/** Lists and lstats the files of the tree (regular files and symlinks; directories, sockets, fifos and a
 *  submodule's or nested repository's directory entry are left out). `listing` forces git's view or the
 *  walk (a restore uses the snapshot's own, whatever the directory holds now); in git's view, every file
 *  below the directories `alsoWalk` is listed too (a nested repository's, which git does not list). */
export function scanTree(tree: RootedTree, env: NodeJS.ProcessEnv, fileLimit: number, listing?: 'git' | 'walk', alsoWalk: readonly Buffer[][] = []): Scan {
  const git = listing ? listing === 'git' : inGitWorkTree(tree.root, env);
  const names = git ? [...gitList(tree.root, env), ...(alsoWalk.length ? walk(tree, fileLimit, alsoWalk) : [])] : walk(tree, fileLimit);
  const seen = new Set<string>();
  const paths: ScannedPath[] = [];
  let bytes = 0;
  for (const listed of names) {
    // a nested repository or submodule is listed as "dir/": not a file
    const raw = listed[listed.length - 1] === SLASH ? listed.subarray(0, -1) : listed;
    if (!raw.length || `/${raw.toString('latin1')}/`.includes('/.git/')) continue;
    const key = encodeName(raw);
    if (seen.has(key)) continue;
    seen.add(key);
    const parts = components(raw);
    const dir = parts.slice(0, -1);
    const name = parts.at(-1)!;
    const stat = tree.lstat(dir, name);
    // a tracked file deleted in the work tree (or below a directory that is a link now) is not there
    if (!stat || !(stat.isFile() || stat.isSymbolicLink())) continue;
    paths.push({ key, dir, name, stat, raw });
    if (stat.isFile()) bytes += stat.size;
  }
  // byte order of the raw names: neighbours share their directories' descriptors
  paths.sort((a, b) => Buffer.compare(a.raw, b.raw));
  return { listing: git ? 'git' : 'walk', paths, files: paths.length, bytes };
}

/** The entries of `dir`, or undefined when it cannot be read (a tool may chmod a directory 000). */
function readable(tree: RootedTree, dir: Buffer[]): ReturnType<RootedTree['readdir']> | undefined {
  try {
    return tree.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM') return undefined;
    throw e;
  }
}

/** Every `.git` (directory, file or link) below the tree, its root's own as ".git", spelled as manifest
 *  paths. A .git directory is not searched further. Looks at `limit` entries at most (undefined past it);
 *  each directory it cannot read is handed to `unreadable`. */
export function findGits(tree: RootedTree, limit: number, unreadable?: (dir: string) => void): string[] | undefined {
  const out: string[] = [];
  const stack: Buffer[][] = [[]];
  let seen = 0;
  while (stack.length) {
    const dir = stack.pop()!;
    const entries = readable(tree, dir);
    if (!entries) unreadable?.(encodeName(Buffer.concat(dir.flatMap((c, i) => (i ? [Buffer.from('/'), c] : [c])))));
    for (const d of entries ?? []) {
      if (++seen > limit) return undefined;
      if (d.name.toString('latin1') === '.git') out.push(encodeName(Buffer.concat([...dir.flatMap((c) => [c, Buffer.from('/')]), d.name])));
      else if (d.isDirectory()) stack.push([...dir, d.name]);
    }
  }
  return out.sort();
}
