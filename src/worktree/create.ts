// Makes a session's copy of the project: the facts of the user's repository first (HEAD, what differs
// from it, what is ignored), then a fresh git directory whose objects borrow the user's object store,
// the checkout of HEAD, the user's uncommitted and untracked files on top (committed as the branch's start
// when there are any), and shim's own control directory beside it. The user's tree and .git are only read.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { controlGit, expectGit, runGit, userGit } from './git.js';
import { WORKTREE_OBJECTS_DST, buildCleanGitEnv, safeRelPath, shimIdentity, splitZ, startCommitMessage, worktreeBranch, type WorktreeMeta, type WorktreePaths } from './plan.js';
import { writeWorktreeMeta } from './store.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

/** What the user's repository looks like now. */
export interface UserRepoFacts {
  project: string;
  userGitDir: string;
  userObjects: string;
  objectFormat: 'sha1' | 'sha256';
  base: string | null;
  /** Tracked paths that differ from HEAD (staged or not, deleted included), and untracked files git
   *  does not ignore. */
  changed: string[];
  untracked: string[];
  /** Ignored entries, directories collapsed (ending in "/"). */
  ignored: string[];
}

/** Asks git about the user's repository at `project` (its work tree root). Git compares the work tree
 *  with a copy of the user's index in `scratch`: `git diff` refreshes the index it reads and writes it
 *  back (GIT_OPTIONAL_LOCKS=0 notwithstanding), and the user's own must stay as it is. */
export async function gatherUserRepoFacts(project: string, env: HostEnv, scratch: string): Promise<UserRepoFacts> {
  const top = await userGit(project, env, ['rev-parse', '--show-toplevel', '--git-common-dir', '--show-object-format', '--git-path', 'index']);
  if (top.status !== 0) throw new UsageError(`${project} is not a git repository, so a worktree session cannot copy it`, 'run git init there (and commit), or start the session without --worktree');
  const [toplevel, commonDir, format, indexPath] = top.stdout.toString('utf8').trim().split('\n');
  const index = path.join(scratch, 'user-index');
  fs.rmSync(index, { force: true });
  const userIndex = path.resolve(project, indexPath!);
  if (fs.existsSync(userIndex)) fs.copyFileSync(userIndex, index);
  const withCopy = (argv: string[]) => userGit(project, env, argv, undefined, { GIT_INDEX_FILE: index });
  if (!toplevel || fs.realpathSync(toplevel) !== project) throw new UsageError(`the project ${project} is not the top of its git repository (${toplevel})`, 'start the session from the repository itself');
  const userGitDir = fs.realpathSync(path.resolve(project, commonDir!));
  const head = await userGit(project, env, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  const base = head.status === 0 ? head.stdout.toString('utf8').trim() : null;
  const changed = base
    ? expectGit('listing your uncommitted changes', await withCopy(['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', '--ignore-submodules=all', 'HEAD']))
    : expectGit('listing your staged files', await withCopy(['ls-files', '-z', '--cached']));
  const untracked = expectGit('listing your untracked files', await withCopy(['ls-files', '-z', '--others', '--exclude-standard']));
  const ignored = expectGit('listing your ignored files', await withCopy(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']));
  return { project, userGitDir, userObjects: path.join(userGitDir, 'objects'), objectFormat: format === 'sha256' ? 'sha256' : 'sha1', base, changed: splitZ(changed), untracked: splitZ(untracked), ignored: splitZ(ignored) };
}

/** Copies one path of the user's tree into the copy as it is now (a file, a link, or its absence);
 *  anything else (a nested repository, a socket) is left out. */
function copyPath(project: string, tree: string, rel: string): void {
  if (!safeRelPath(rel)) return;
  const src = path.join(project, rel);
  const dst = path.join(tree, rel);
  const st = fs.lstatSync(src, { throwIfNoEntry: false });
  if (!st) {
    fs.rmSync(dst, { force: true });
    return;
  }
  if (!st.isFile() && !st.isSymbolicLink()) return;
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.rmSync(dst, { force: true });
  if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
  else {
    // a reflink where the file system has them, else a copy: never a hard link (the agent could write
    // through it into the user's file)
    fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE);
    fs.chmodSync(dst, st.mode & 0o755);
  }
}

/** Makes the copy of `facts.project` for session `name` at `paths`; returns its record. */
export async function createWorktree(paths: WorktreePaths, name: string, facts: UserRepoFacts, shared: readonly string[], env: HostEnv, now: Date): Promise<WorktreeMeta> {
  fs.mkdirSync(path.dirname(paths.dir), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(paths.dir), 0o700);
  fs.mkdirSync(paths.dir, { mode: 0o700 });
  fs.mkdirSync(paths.home, { mode: 0o700 });
  const clean = buildCleanGitEnv(env, paths.home);
  const format = `--object-format=${facts.objectFormat}`;
  expectGit('making the control directory', await runGit(['init', '--quiet', '--bare', '--template=', format, paths.control], clean));
  fs.writeFileSync(path.join(paths.control, 'objects', 'info', 'alternates'), `${facts.userObjects}\n`);
  expectGit('making the copy', await runGit(['init', '--quiet', '--template=', format, paths.tree], clean));
  const branch = worktreeBranch(name);
  const ownObjects = path.join(paths.treeGit, 'objects');
  const index = path.join(paths.treeGit, 'index');
  // the copy is shim's own until the session starts: its object directory takes shim's writes
  const inCopy = { workTree: paths.tree, index, objects: ownObjects, alternates: [facts.userObjects] };
  if (facts.base) expectGit('checking out HEAD into the copy', await controlGit(paths, env, ['read-tree', '--reset', '-u', facts.base], inCopy));
  const dirty = [...facts.changed, ...facts.untracked];
  for (const rel of dirty) copyPath(facts.project, paths.tree, rel);
  let start = facts.base;
  let startTree: string;
  if (dirty.length || !facts.base) {
    expectGit('recording your uncommitted files in the copy', await controlGit(paths, env, ['add', '-A'], inCopy));
    startTree = expectGit('writing the start tree', await controlGit(paths, env, ['write-tree'], inCopy)).trim();
    const parents = facts.base ? ['-p', facts.base] : [];
    start = expectGit('making the start commit', await controlGit(paths, env, ['commit-tree', startTree, ...parents], { ...inCopy, env: shimIdentity(), input: startCommitMessage(name, facts.project) })).trim();
  } else startTree = expectGit('reading the start tree', await controlGit(paths, env, ['rev-parse', `${facts.base}^{tree}`], inCopy)).trim();
  fs.mkdirSync(path.join(paths.treeGit, 'refs', 'heads', 'shim'), { recursive: true });
  fs.writeFileSync(path.join(paths.treeGit, 'refs', 'heads', branch), `${start}\n`);
  fs.writeFileSync(path.join(paths.treeGit, 'HEAD'), `ref: refs/heads/${branch}\n`);
  // the agent commits as the session (not as the user), unless it says otherwise
  fs.appendFileSync(path.join(paths.treeGit, 'config'), `[user]\n\tname = shim session ${name}\n\temail = shim-session@localhost\n`);
  // later scans start from this index's file facts, so they hash only what the session changed
  fs.copyFileSync(index, path.join(paths.control, 'index'));
  // inside the container the user's object store is mounted read-only here (never the user's .git)
  fs.writeFileSync(path.join(ownObjects, 'info', 'alternates'), `${WORKTREE_OBJECTS_DST}\n`);
  const meta: WorktreeMeta = {
    name,
    project: facts.project,
    userGitDir: facts.userGitDir,
    userObjects: facts.userObjects,
    branch,
    base: facts.base,
    start: start!,
    startTree,
    objectFormat: facts.objectFormat,
    createdAt: now.toISOString(),
    shared: [...shared],
  };
  writeWorktreeMeta(paths, meta);
  return meta;
}

/** Removes a copy whole (its tree, its control directory, its record). */
export function removeWorktreeDir(paths: WorktreePaths): void {
  fs.rmSync(paths.dir, { recursive: true, force: true });
}
