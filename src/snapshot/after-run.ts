// What shim checks once a tool that could write the project has ended, the same for a plain run, an MCP
// run and each run of a session's tool: the git census (a repository the tool made, or one whose config
// or hooks it changed, runs commands on the host as soon as git runs there), and after a failed start
// (125, 126, 127) the run's new automatic snapshots of a tree still as saved are deleted.
import path from 'node:path';
import { withLock } from '../lock.js';
import { snapshotRoots } from '../plan/snapshot.js';
import { treeMatches } from './create.js';
import { gitCensus, gitCensusWarnings, overlaidGits } from './git-census.js';
import { deleteSnapshots, loadManifest } from './store.js';

/** Taken before the tool runs: what the checks after it compare with. Plain JSON (a session's
 *  supervisor gets it with its plan). */
export interface RunWatch {
  tool: string;
  /** The host directories the run may write, and the census of the repositories below them. */
  roots: string[];
  gits: [string, string][];
  runId: string;
  /** The automatic snapshots taken for the run, and the store that holds them. */
  snapshots: string[];
  store: string;
}

/** Exit statuses of a run the runtime could not start (its own failure, or the command not runnable). */
const FAILED_START = [125, 126, 127];

/** The watch of a run. Without `fullCensus` the census before is the policy's read-only .git mounts
 *  (overlaidGits): right only where the mount policy put one over every .git (not git_writable, not a
 *  worktree session's copy, whose own .git the tool may write). */
export function watchRun(run: { tool: string; mounts: readonly { src: string; mode: 'ro' | 'rw' }[]; runId: string; snapshots: readonly string[]; fullCensus: boolean; store: string }): RunWatch {
  const roots = snapshotRoots(run.mounts);
  const gits = run.fullCensus ? gitCensus(roots) : overlaidGits(run.mounts, roots);
  return { tool: run.tool, roots, gits: [...gits], runId: run.runId, snapshots: [...run.snapshots], store: run.store };
}

/** The warnings about repositories that appeared or changed since the watch's census, and the watch
 *  with the census of now (a session's tool run again is warned only of what is new again). */
export function gitChanges(watch: RunWatch): { warnings: string[]; watch: RunWatch } {
  const now = gitCensus(watch.roots);
  return { warnings: gitCensusWarnings(watch.tool, new Map(watch.gits), now), watch: { ...watch, gits: [...now] } };
}

/** After a run that failed to start: the snapshots taken for it that are new and whose directory is
 *  exactly as saved are deleted, and the rest returned (a tool that exits 125 itself after changing
 *  files keeps its snapshot). Any other status keeps them all. */
export async function discardUnusedSnapshots(watch: RunWatch, status: number, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (!FAILED_START.includes(status) || !watch.snapshots.length) return watch.snapshots;
  const unused = watch.snapshots.filter((id) => {
    try {
      const m = loadManifest(watch.store, id);
      return m.runId === watch.runId && treeMatches(m, env);
    } catch {
      return false; // gone already (deleted, or pruned by another run's retention)
    }
  });
  if (unused.length) await withLock(path.join(watch.store, 'lock'), async () => deleteSnapshots(watch.store, unused));
  return watch.snapshots.filter((id) => !unused.includes(id));
}

/** The checks after the tool's last run: the census's warnings and the snapshots kept. */
export async function checkAfterRun(watch: RunWatch, status: number, env: NodeJS.ProcessEnv): Promise<{ warnings: string[]; snapshots: string[] }> {
  const { warnings } = gitChanges(watch);
  return { warnings, snapshots: await discardUnusedSnapshots(watch, status, env) };
}
