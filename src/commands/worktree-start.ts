// The copy a worktree session starts with (`shim run --name NAME --worktree`, a `"worktree": true` tool,
// MCP's session_start with worktree: true): made before the run is planned, so the plan mounts it at the
// project's own path; removed again if the session does not start.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/app.js';
import type { ResolvedTool } from '../config/merge.js';
import { UsageError } from '../errors.js';
import { gatherRunFacts } from '../facts/run-facts.js';
import { chooseSharedDirs, worktreePaths, worktreesDir, type WorktreeMeta, type WorktreeMountInput, type WorktreePaths } from '../worktree/plan.js';
import { createWorktree, gatherUserRepoFacts, removeWorktreeDir } from '../worktree/create.js';

export interface StartedWorktree {
  paths: WorktreePaths;
  meta: WorktreeMeta;
  /** What the run's planner needs to mount the copy (plan/worktree.ts buildWorktreeMounts). */
  mounts: WorktreeMountInput;
  /** Undoes the copy (the session did not start). */
  remove(): void;
}

/** Refuses a session name whose worktree copy is still kept (diff, apply and discard go by that name). */
export function refuseKeptCopy(app: App, name: string): void {
  if (fs.existsSync(worktreePaths(app.paths.stateDir, name).dir)) {
    throw new UsageError(`the worktree session ${name} still keeps its copy (its work is not applied or discarded)`, `look at it with shim diff ${name}, then shim apply ${name} or shim discard ${name}; or pick another --name`);
  }
}

/** Makes the copy of the project for session `name` of `tool`. */
export async function startWorktree(app: App, tool: ResolvedTool, name: string): Promise<StartedWorktree> {
  const root = gatherRunFacts(tool, app.host, app.paths).root;
  if (root.reason !== 'git') throw new UsageError(`a worktree session copies a git repository, and ${root.path} is not in one`, 'run it from inside a git repository, or without --worktree');
  const paths = worktreePaths(app.paths.stateDir, name);
  refuseKeptCopy(app, name);
  // the facts are gathered with a copy of the user's index, kept in shim's own (0700) directory
  fs.mkdirSync(worktreesDir(app.paths.stateDir), { recursive: true, mode: 0o700 });
  const scratch = fs.mkdtempSync(path.join(worktreesDir(app.paths.stateDir), '.facts-'));
  const repo = await gatherUserRepoFacts(root.path, app.host.env, scratch).finally(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const shared = chooseSharedDirs(repo.ignored, () => false);
  if (shared.leftOut) app.reporter.warn(`${name}: ${shared.leftOut} more ignored directories of ${root.path} are not shared with the session (only the first ${shared.dirs.length})`);
  const meta = await createWorktree(paths, name, repo, shared.dirs, app.host.env, new Date());
  // podman layers a throw-away writable layer over them; docker has no overlay mounts, so read-only
  const overlay = app.runtime().name === 'podman';
  return { paths, meta, mounts: { project: root.path, copy: paths.tree, userObjects: repo.userObjects, shared: shared.dirs, overlay }, remove: () => removeWorktreeDir(paths) };
}
