// Reads what a session made of its copy, treating the copy as hostile: its objects are copied into shim's
// control directory by name (regular files only, opened without following links; never through the
// copy's own alternates), its branch is read as a plain ref file, and its work tree is recorded with
// shim's control directory and index, so nothing of the copy's .git is ever read as configuration.
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lock.js';
import { controlGit, expectGit } from './git.js';
import { safeRelPath, splitZ, type WorktreeMeta, type WorktreePaths } from './plan.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

const HEX = /^[0-9a-f]+$/;
const OID_LINE = /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/;
const MAX_REF_FILE = 64 * 1024 * 1024;

/** Copies the file at `src` to `dst` if `src` is a regular file (not a link, however it changes). */
function copyRegular(src: string, dst: string): void {
  let fd: number;
  try {
    fd = fs.openSync(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return;
    const tmp = `${dst}.${process.pid}.tmp`;
    const out = fs.openSync(tmp, 'wx', 0o444);
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) fs.writeSync(out, buf, 0, n);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(tmp, dst);
  } finally {
    fs.closeSync(fd);
  }
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Runs `body` with a path that is the directory `names` below `base`, each name opened without following
 *  a link (the agent may have swapped one for a link to a host directory, before or during the walk):
 *  `/proc/self/fd/N` of the last one. Nothing is run when one is not a real directory. */
function inDirNoFollow(base: string, names: readonly string[], body: (dir: string) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(base, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    for (const name of names) {
      const next = fs.openSync(`/proc/self/fd/${fd}/${name}`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
      fs.closeSync(fd);
      fd = next;
    }
  } catch {
    fs.closeSync(fd);
    return;
  }
  try {
    body(`/proc/self/fd/${fd}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Imports the copy's loose objects and packs that shim's control directory does not have yet. */
export function importObjects(paths: WorktreePaths): void {
  inDirNoFollow(paths.tree, ['.git', 'objects'], (from) => importFrom(from, path.join(paths.control, 'objects')));
}

function importFrom(from: string, to: string): void {
  for (const d of listDir(from)) {
    if (!d.isDirectory() || d.name.length !== 2 || !HEX.test(d.name)) continue;
    inDirNoFollow(from, [d.name], (dir) => {
      for (const f of listDir(dir)) {
        if (!f.isFile() || !HEX.test(f.name) || (f.name.length !== 38 && f.name.length !== 62)) continue;
        const dst = path.join(to, d.name, f.name);
        if (fs.existsSync(dst)) continue;
        fs.mkdirSync(path.join(to, d.name), { recursive: true });
        copyRegular(path.join(dir, f.name), dst);
      }
    });
  }
  inDirNoFollow(from, ['pack'], (pack) => importPacks(pack, to));
}

function importPacks(pack: string, to: string): void {
  for (const f of listDir(pack)) {
    const m = /^(pack-[0-9a-f]{40,64})\.pack$/.exec(f.name);
    if (!m || !f.isFile()) continue;
    const idx = `${m[1]}.idx`;
    if (fs.existsSync(path.join(to, 'pack', idx))) continue;
    fs.mkdirSync(path.join(to, 'pack'), { recursive: true });
    copyRegular(path.join(pack, f.name), path.join(to, 'pack', f.name));
    // the index last: git only uses a pack once its index is there
    copyRegular(path.join(pack, idx), path.join(to, 'pack', idx));
  }
}

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
    importObjects(paths);
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
