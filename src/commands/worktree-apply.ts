// `shim apply NAME`, `shim apply --branch NAME` and `shim discard NAME`: a worktree session's work into
// the user's tree (uncommitted), into their repository (as branch shim/NAME), or thrown away with its copy.
import fs from 'node:fs';
import type { App } from '../app/app.js';
import { scanCopy } from '../worktree/scan.js';
import { rawChanges } from '../worktree/diff.js';
import { ApplyConflictError, bringBranch, checkApply, writeChanges } from '../worktree/apply.js';
import { removeWorktreeDir } from '../worktree/create.js';
import { writeWorktreeMeta } from '../worktree/store.js';
import { checkReviewed, pinnedTree } from '../worktree/review.js';
import { requestSession } from '../session/client.js';
import { pathsOf, sessionStatus } from './session-start.js';
import { worktreeOf } from './worktree-diff.js';

export { ApplyConflictError, BranchExistsError, UnsafePathError } from '../worktree/apply.js';
export { ReviewStaleError } from '../worktree/review.js';

export interface ApplyResult {
  name: string;
  project: string;
  /** The paths written (or removed) in the user's tree. */
  files: string[];
  /** Paths the session changed that the user's tree already had as the session left them. */
  unchanged: number;
}

export interface ApplyBranchResult {
  name: string;
  project: string;
  branch: string;
  tip: string;
  /** Commits on the branch above the user's HEAD at the start (the start commit, the session's commits
   *  and the one of what it left uncommitted). */
  commits: number;
}

export interface DiscardResult {
  name: string;
  /** Whether the session was running and was stopped. */
  stopped: boolean;
  /** Whether a copy was removed. */
  removed: boolean;
}

/** Which tree an apply must find: `tree` as given (the web page, scripts), else the one `shim diff` showed. */
export interface ApplyOptions {
  tree?: string;
}

/** Records the copy now (into shim's own objects) and checks it is the reviewed tree: everything written
 *  afterwards is read from those recorded objects, so what the agent writes meanwhile cannot reach the user. */
async function reviewedState(app: App, name: string, options: ApplyOptions, branch: boolean) {
  const { paths, meta } = worktreeOf(app, name);
  const pin = pinnedTree(name, meta, options.tree, branch);
  const state = await scanCopy(paths, meta, app.host.env);
  checkReviewed(name, meta, pin, state, branch);
  return { paths, meta, state };
}

/** Writes the reviewed work of the session into the user's tree as uncommitted changes; throws
 *  ReviewStaleError when the copy is not what was reviewed, ApplyConflictError when a file it touches
 *  changed in the user's tree since the session started (and writes nothing either way). */
export async function applyWorktree(app: App, name: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { paths, meta, state } = await reviewedState(app, name, options, false);
  const changes = await rawChanges(paths, meta, state, app.host.env);
  const { write, conflicts } = checkApply(meta, changes);
  if (conflicts.length) throw new ApplyConflictError(name, conflicts);
  const files = await writeChanges(paths, meta, write, app.host.env);
  writeWorktreeMeta(paths, { ...meta, applied: { at: new Date().toISOString(), tree: state.tree } });
  return { name, project: meta.project, files, unchanged: changes.length - write.length };
}

/** Brings the session's reviewed work into the user's repository as branch shim/NAME; their tree is
 *  untouched. */
export async function applyWorktreeBranch(app: App, name: string, options: ApplyOptions = {}): Promise<ApplyBranchResult> {
  const { paths, meta, state } = await reviewedState(app, name, options, true);
  const { tip, commits } = await bringBranch(paths, meta, state, app.host.env);
  writeWorktreeMeta(paths, { ...meta, applied: { at: new Date().toISOString(), tree: state.tree, branch: true } });
  return { name, project: meta.project, branch: meta.branch, tip, commits };
}

/** Stops the session if it runs, then deletes its copy and its session record. */
export async function discardWorktree(app: App, name: string): Promise<DiscardResult> {
  const { paths } = worktreeOf(app, name);
  const running = await sessionStatus(app, name);
  const sessionPaths = pathsOf(app, name);
  if (running) await requestSession<{ status: number }>(sessionPaths.socket, { mode: 'stop' });
  removeWorktreeDir(paths);
  fs.rmSync(sessionPaths.dir, { recursive: true, force: true });
  return { name, stopped: Boolean(running), removed: true };
}

/** `shim apply [--branch] NAME`. */
export async function applyCommand(app: App, name: string, options: { branch?: boolean; json?: boolean; tree?: string }): Promise<number> {
  const pin = options.tree === undefined ? {} : { tree: options.tree };
  const result = options.branch ? await applyWorktreeBranch(app, name, pin) : await applyWorktree(app, name, pin);
  if (options.json) app.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if ('branch' in result) app.reporter.info(`${result.branch} now holds session ${name}'s work (${result.commits} commit${result.commits === 1 ? '' : 's'} above your HEAD at its start); your working tree is unchanged: git log ${result.branch}`);
  else app.reporter.info(`applied session ${name}: ${result.files.length} file${result.files.length === 1 ? '' : 's'} changed in ${result.project} (uncommitted)${result.unchanged ? `, ${result.unchanged} already as the session left them` : ''}; shim discard ${name} removes its copy`);
  return 0;
}

/** `shim discard NAME`. */
export async function discardCommand(app: App, name: string, options: { json?: boolean }): Promise<number> {
  const result = await discardWorktree(app, name);
  if (options.json) app.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else app.reporter.info(`discarded session ${name}${result.stopped ? ' (stopped it first)' : ''}: its copy is gone`);
  return 0;
}
