// Brings a session's work to the user: into their working tree as uncommitted changes (refused, with
// nothing written, when a file it touches changed in their tree since the session started), or into their
// repository as branch shim/NAME (its commits, plus one of what it left uncommitted). Everything written
// comes from objects shim recorded itself; paths are checked before use and no link in the user's tree
// is followed.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ShimError, ExitCode } from '../errors.js';
import { controlGit, expectGit, userGit } from './git.js';
import { leftoverCommitMessage, safeRelPath, shimIdentity, type WorktreeMeta, type WorktreePaths } from './plan.js';
import type { RawChange } from './diff.js';
import type { CopyState } from './scan.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

/** `shim apply NAME` refused: files the session touched changed in the user's tree meanwhile. */
export class ApplyConflictError extends ShimError {
  constructor(
    readonly session: string,
    readonly files: string[],
  ) {
    super(
      `shim apply ${session}: ${files.length} file${files.length === 1 ? '' : 's'} it changed also changed in your tree since the session started, so nothing was applied: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', …' : ''}`,
      ExitCode.launcherFailed,
      `commit or stash your changes to those files and apply again, or bring the work in as a branch: shim apply --branch ${session}`,
    );
  }
}

/** `shim apply --branch NAME` refused: the branch exists already in the user's repository. */
export class BranchExistsError extends ShimError {
  constructor(readonly branch: string) {
    super(`the branch ${branch} exists already in your repository, so it was left as it is`, ExitCode.launcherFailed, `rename or delete it (git branch -m ${branch} OTHER) and apply again`);
  }
}

/** A path the session's work names that shim will not write (outside the tree, .git, a link on the way). */
export class UnsafePathError extends ShimError {
  constructor(readonly file: string, why: string) {
    super(`the session's work names ${JSON.stringify(file)}, which ${why}: nothing was applied`, ExitCode.launcherFailed, 'look at the session with shim diff NAME; apply it as a branch and review it there');
  }
}

function blobId(format: WorktreeMeta['objectFormat'], data: Buffer): string {
  return createHash(format === 'sha256' ? 'sha256' : 'sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** What the user's tree holds at `rel` now, as git would record it: mode and blob, absent, or `other`
 *  (a directory, a special file, or a link on the way there). */
function userEntry(project: string, rel: string, format: WorktreeMeta['objectFormat']): { mode: string; oid: string } | 'absent' | 'other' {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = fs.lstatSync(path.join(project, ...parts.slice(0, i)), { throwIfNoEntry: false });
    if (!st) return 'absent';
    if (!st.isDirectory()) return 'other';
  }
  const file = path.join(project, rel);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return 'absent';
  if (st.isSymbolicLink()) return { mode: '120000', oid: blobId(format, Buffer.from(fs.readlinkSync(file, 'buffer'))) };
  if (!st.isFile()) return 'other';
  return { mode: st.mode & 0o111 ? '100755' : '100644', oid: blobId(format, fs.readFileSync(file)) };
}

function same(entry: ReturnType<typeof userEntry>, mode: string | null, oid: string | null): boolean {
  if (mode === null) return entry === 'absent';
  return typeof entry === 'object' && entry.mode === mode && entry.oid === oid;
}

/** The changes `apply` would write, or the files in the way (changed in the user's tree since the start). */
export function checkApply(meta: WorktreeMeta, changes: readonly RawChange[]): { write: RawChange[]; conflicts: string[] } {
  const write: RawChange[] = [];
  const conflicts: string[] = [];
  for (const c of changes) {
    if (!safeRelPath(c.path)) throw new UnsafePathError(c.path, 'is not a plain path inside the project');
    if (c.newMode === '160000' || c.oldMode === '160000') continue; // submodules are the user's to move
    const now = userEntry(meta.project, c.path, meta.objectFormat);
    if (same(now, c.newMode, c.newOid)) continue; // there already
    if (!same(now, c.oldMode, c.oldOid)) conflicts.push(c.path);
    else write.push(c);
  }
  return { write, conflicts };
}

/** Makes every missing directory of `rel` below `project`, refusing to go through anything but a directory. */
function ensureParents(project: string, rel: string): void {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const dir = path.join(project, ...parts.slice(0, i));
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) fs.mkdirSync(dir);
    else if (!st.isDirectory()) throw new UnsafePathError(rel, `lies under ${dir}, which is not a directory in your tree`);
  }
}

/** Writes `changes` into the user's tree from shim's recorded objects; returns the paths written. */
export async function writeChanges(paths: WorktreePaths, meta: WorktreeMeta, changes: readonly RawChange[], env: HostEnv): Promise<string[]> {
  const blobs = new Map<string, Buffer>();
  for (const c of changes) {
    if (c.newOid && !blobs.has(c.newOid)) blobs.set(c.newOid, (await controlGit(paths, env, ['cat-file', 'blob', c.newOid])).stdout);
  }
  for (const c of changes) {
    const file = path.join(meta.project, c.path);
    if (c.newMode === null) {
      fs.rmSync(file, { force: true });
      continue;
    }
    ensureParents(meta.project, c.path);
    const tmp = path.join(path.dirname(file), `.shim-apply-${randomBytes(6).toString('hex')}`);
    const data = blobs.get(c.newOid!)!;
    if (c.newMode === '120000') fs.symlinkSync(data.toString('utf8'), tmp);
    else fs.writeFileSync(tmp, data, { mode: c.newMode === '100755' ? 0o755 : 0o644, flag: 'wx' });
    // a directory where the file goes is the user's: refused in checkApply already, never removed here
    fs.renameSync(tmp, file);
  }
  return changes.map((c) => c.path);
}

/** Brings the session's commits and its uncommitted work into the user's repository as its branch;
 *  returns the branch's tip. The user's work tree, index and HEAD are not touched. */
export async function bringBranch(paths: WorktreePaths, meta: WorktreeMeta, state: CopyState, env: HostEnv): Promise<{ tip: string; commits: number }> {
  const headTree = expectGit('reading the branch', await controlGit(paths, env, ['rev-parse', `${state.head}^{tree}`])).trim();
  const tip = headTree === state.tree ? state.head : expectGit('committing what was left uncommitted', await controlGit(paths, env, ['commit-tree', state.tree, '-p', state.head], { env: shimIdentity(), input: leftoverCommitMessage(meta.name) })).trim();
  const exists = await userGit(meta.project, env, ['rev-parse', '--verify', '-q', `refs/heads/${meta.branch}`]);
  if (exists.status === 0) {
    if (exists.stdout.toString('utf8').trim() === tip) return { tip, commits: 0 };
    throw new BranchExistsError(meta.branch);
  }
  const revs = `${tip}\n${meta.base ? `^${meta.base}\n` : ''}`;
  const pack = await controlGit(paths, env, ['pack-objects', '--revs', '--stdout', '-q'], { input: revs });
  expectGit('packing the session\'s objects', pack);
  // --strict: git checks every object it takes in (no ".git" in a tree, well-formed commits)
  expectGit('adding the session\'s objects to your repository', await userGit(meta.project, env, ['unpack-objects', '-q', '--strict'], pack.stdout));
  expectGit(`creating ${meta.branch}`, await userGit(meta.project, env, ['update-ref', '-m', `shim apply --branch ${meta.name}`, `refs/heads/${meta.branch}`, tip, '']));
  const count = expectGit('counting commits', await controlGit(paths, env, ['rev-list', '--count', tip, ...(meta.base ? [`^${meta.base}`] : [])])).trim();
  return { tip, commits: Number(count) };
}
