// `shim diff NAME [--stat] [--json]` and MCP's session_diff: what a worktree session changed since it
// started (its commits on shim/NAME, its uncommitted edits, its new files), while it runs or after.
import type { App } from '../app/app.js';
import { UsageError } from '../errors.js';
import { worktreePaths, type WorktreeMeta, type WorktreePaths } from '../worktree/plan.js';
import { readWorktreeMeta, worktreeNames, writeWorktreeMeta } from '../worktree/store.js';
import { scanCopy } from '../worktree/scan.js';
import { diffCopy, type FileChange } from '../worktree/diff.js';
import { checkSessionName } from './session-start.js';

export interface WorktreeDiff {
  name: string;
  branch: string;
  project: string;
  /** The user's HEAD when the session started, and the commit its branch started at. */
  base: string | null;
  start: string;
  /** The tip of the session's branch now. */
  head: string;
  /** The tree shown (recorded in shim's own objects): `shim apply --tree` applies exactly this. */
  tree: string;
  files: FileChange[];
  /** The patch (git's format, binary files included); empty with `stat`. */
  patch: string;
  /** When the work was applied (`shim apply`), if it was and nothing changed since. */
  applied: WorktreeMeta['applied'] | null;
}

/** The copy of the worktree session `name`, or a UsageError naming the copies there are. */
export function worktreeOf(app: App, name: string): { paths: WorktreePaths; meta: WorktreeMeta } {
  checkSessionName(name);
  const paths = worktreePaths(app.paths.stateDir, name);
  const meta = readWorktreeMeta(paths);
  if (!meta) {
    const names = worktreeNames(app.paths.stateDir);
    throw new UsageError(`no worktree session named ${JSON.stringify(name)}`, names.length ? `worktree sessions: ${names.join(', ')} (shim ps)` : 'start one with shim run --name NAME --worktree TOOL');
  }
  return { paths, meta };
}

/** What the session `name` changed: files with line counts, and the patch unless `stat`. With `record`
 *  (the user's own `shim diff`), the tree shown becomes the one a plain `shim apply NAME` applies;
 *  MCP's session_diff and the web page do not record (the page names its tree when it applies). */
export async function worktreeDiff(app: App, name: string, options: { stat?: boolean; record?: boolean } = {}): Promise<WorktreeDiff> {
  const { paths, meta } = worktreeOf(app, name);
  const state = await scanCopy(paths, meta, app.host.env);
  const { files, patch } = await diffCopy(paths, meta, state, app.host.env, !options.stat);
  const applied = meta.applied && meta.applied.tree === state.tree ? meta.applied : null;
  if (options.record) writeWorktreeMeta(paths, { ...(readWorktreeMeta(paths) ?? meta), reviewed: { at: new Date().toISOString(), tree: state.tree, head: state.head } });
  return { name, branch: meta.branch, project: meta.project, base: meta.base, start: meta.start, head: state.head, tree: state.tree, files, patch, applied };
}

/** `git diff --stat`-like lines for a terminal. */
export function formatStat(files: readonly FileChange[]): string {
  if (!files.length) return 'no changes\n';
  const width = Math.min(60, Math.max(...files.map((f) => f.path.length)));
  const lines = files.map((f) => `${f.path.padEnd(width)} | ${f.additions === null ? 'binary' : `+${f.additions} -${f.deletions}`} (${f.status})`);
  const add = files.reduce((n, f) => n + (f.additions ?? 0), 0);
  const del = files.reduce((n, f) => n + (f.deletions ?? 0), 0);
  return `${lines.join('\n')}\n${files.length} file${files.length === 1 ? '' : 's'} changed, ${add} insertions(+), ${del} deletions(-)\n`;
}

/** `shim diff NAME [--stat] [--json]`: the patch (or the stat) on stdout. */
export async function diffCommand(app: App, name: string, options: { stat?: boolean; json?: boolean }): Promise<number> {
  const diff = await worktreeDiff(app, name, { ...options, record: true });
  if (options.json) app.stdout(`${JSON.stringify(diff, null, 2)}\n`);
  else {
    app.stdout(options.stat ? formatStat(diff.files) : diff.patch);
    app.reporter.info(`shown: tree ${diff.tree} of session ${name}; shim apply ${name} applies exactly this, and refuses if the copy changes meanwhile`);
  }
  return 0;
}
