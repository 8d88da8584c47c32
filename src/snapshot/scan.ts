// Which files a snapshot covers and their stat facts. In a git work tree: git's own view (tracked plus
// untracked-but-not-ignored, `git ls-files --cached --others --exclude-standard`), so .gitignore,
// .git/info/exclude and the global excludes all count and .git itself is never listed. Elsewhere: every
// file below the directory except .git directories (no ignore rules).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SnapshotError } from '../errors.js';

/** One candidate path with what lstat said. */
export interface ScannedPath {
  path: string;
  stat: fs.Stats;
}

export interface Scan {
  listing: 'git' | 'walk';
  paths: ScannedPath[];
  files: number;
  bytes: number;
}

// why: a repository's config could name an fsmonitor hook, which git would run for ls-files
const GIT_SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false'];

function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
}

function inGitWorkTree(dir: string, env: NodeJS.ProcessEnv): boolean {
  try {
    return execFileSync('git', [...GIT_SAFE, '-C', dir, 'rev-parse', '--is-inside-work-tree'], { env: gitEnv(env), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'true';
  } catch {
    return false;
  }
}

function gitList(dir: string, env: NodeJS.ProcessEnv): string[] {
  try {
    const out = execFileSync('git', [...GIT_SAFE, '-C', dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], { env: gitEnv(env), maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
    return [...new Set(out.toString('utf8').split('\0').filter(Boolean))];
  } catch (e) {
    throw new SnapshotError(`git could not list the files of ${dir}: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`, 'check `git status` there');
  }
}

function walk(dir: string, limit: number): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (d.name !== '.git') stack.push(p);
      } else if (d.name !== '.git') out.push(p);
      // past the cap the count is all that matters: stop early, the caller refuses with the number
      if (out.length > limit) return out;
    }
  }
  return out;
}

/** Lists and lstats the files of `dir` (regular files and symlinks; directories, sockets, fifos and a
 *  submodule's or nested repository's directory entry are left out). */
export function scanTree(dir: string, env: NodeJS.ProcessEnv, fileLimit: number): Scan {
  const git = inGitWorkTree(dir, env);
  const names = git ? gitList(dir, env) : walk(dir, fileLimit);
  const paths: ScannedPath[] = [];
  let bytes = 0;
  for (const name of names) {
    const p = name.endsWith('/') ? name.slice(0, -1) : name;
    if (p.split('/').includes('.git')) continue;
    const stat = fs.lstatSync(path.join(dir, p), { throwIfNoEntry: false });
    // a tracked file deleted in the work tree is simply not there
    if (!stat || !(stat.isFile() || stat.isSymbolicLink())) continue;
    paths.push({ path: p, stat });
    if (stat.isFile()) bytes += stat.size;
  }
  paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { listing: git ? 'git' : 'walk', paths, files: paths.length, bytes };
}
