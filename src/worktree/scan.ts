// Reads what a session made of its copy, treating the copy as hostile: its objects are imported into
// shim's control directory, each checked against its name (import.ts), its branch is read as a plain ref
// file, and its work tree is recorded with shim's control directory and index, so nothing of the copy's
// .git is ever read as configuration.
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lock.js';
import { controlGit, expectGit } from './git.js';
import { importObjects } from './import.js';
import { safeRelPath, splitZ, type WorktreeMeta, type WorktreePaths } from './plan.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

const OID_LINE = /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/;
const MAX_REF_FILE = 64 * 1024 * 1024;

/** Reads a small file of the copy without following links, or undefined. */
function readPlain(file: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The commit the copy's branch points at (a loose ref, else packed-refs), or undefined. */
export function readBranchTip(paths: WorktreePaths, branch: string): string | undefined {
  const loose = readPlain(path.join(paths.treeGit, 'refs', 'heads', branch), 200);
  const m = loose === undefined ? undefined : OID_LINE.exec(loose);
  if (m) return m[1];
  const packed = readPlain(path.join(paths.treeGit, 'packed-refs'), MAX_REF_FILE);
  for (const line of packed?.split('\n') ?? []) {
    const [oid, ref] = line.split(' ');
    if (ref === `refs/heads/${branch}` && oid && OID_LINE.test(oid)) return oid;
  }
  return undefined;
}

/** What the session's copy holds now. */
export interface CopyState {
  /** The tip of the session's branch (its commits), or the start when the branch is gone or unreadable. */
  head: string;
  /** The tree of the copy's work tree now (its commits and uncommitted work). */
  tree: string;
}

/** Records the copy's work tree and branch with shim's control directory (one scan at a time). */
export async function scanCopy(paths: WorktreePaths, meta: WorktreeMeta, env: HostEnv): Promise<CopyState> {
  return withLock(path.join(paths.dir, 'scan.lock'), async () => {
    await importObjects(paths, env);
    const tip = readBranchTip(paths, meta.branch);
    const known = tip ? (await controlGit(paths, env, ['cat-file', '-e', `${tip}^{commit}`])).status === 0 : false;
    const head = tip && known ? tip : meta.start;
    const inTree = { workTree: paths.tree };
    expectGit('recording the copy', await controlGit(paths, env, ['add', '-A'], inTree));
    if (head !== meta.start) {
      // files the session committed although its .gitignore ignores them are part of its work too
      const added = splitZ(expectGit('listing committed files', await controlGit(paths, env, ['diff', '--name-only', '-z', '--no-renames', '--diff-filter=A', meta.start, head])));
      const present = added.filter((rel) => safeRelPath(rel) && fs.lstatSync(path.join(paths.tree, rel), { throwIfNoEntry: false }));
      if (present.length) expectGit('recording committed ignored files', await controlGit(paths, env, ['add', '-f', '--pathspec-from-file=-', '--pathspec-file-nul'], { ...inTree, input: `${present.join('\0')}\0` }));
    }
    const tree = expectGit('writing the tree of the copy', await controlGit(paths, env, ['write-tree'], inTree)).trim();
    return { head, tree };
  });
}
