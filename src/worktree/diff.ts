// What a session changed in its copy since it started: the start tree against the copy's tree now (its
// commits and its uncommitted work), as a list of files and a patch. git runs in shim's control directory:
// no external diff, no textconv, no pager, nothing of the copy's configuration or attributes' drivers.
import { controlGit, expectGit } from './git.js';
import { splitZ, type WorktreeMeta, type WorktreePaths } from './plan.js';
import type { CopyState } from './scan.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

export type FileStatus = 'added' | 'modified' | 'deleted' | 'type-changed';

/** One changed path: its status, modes and objects before and after (null when absent). */
export interface RawChange {
  path: string;
  status: FileStatus;
  oldMode: string | null;
  newMode: string | null;
  oldOid: string | null;
  newOid: string | null;
}

export interface FileChange {
  path: string;
  status: FileStatus;
  /** Lines added and deleted; null for a binary file. */
  additions: number | null;
  deletions: number | null;
}

const STATUS: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type-changed' };
const ZERO = /^0+$/;

/** Parses `git diff --raw -z --no-renames` output. */
export function parseRaw(out: string): RawChange[] {
  const parts = out.split('\0');
  const changes: RawChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([AMDT])$/.exec(parts[i]!);
    if (!m) break;
    const [, om, nm, oo, no, s] = m;
    changes.push({ path: parts[i + 1]!, status: STATUS[s!]!, oldMode: ZERO.test(om!) ? null : om!, newMode: ZERO.test(nm!) ? null : nm!, oldOid: ZERO.test(oo!) ? null : oo!, newOid: ZERO.test(no!) ? null : no! });
  }
  return changes;
}

/** Parses `git diff --numstat -z --no-renames` output into path → counts (null for binary). */
export function parseNumstat(out: string): Map<string, { additions: number | null; deletions: number | null }> {
  const map = new Map<string, { additions: number | null; deletions: number | null }>();
  for (const rec of splitZ(out)) {
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(rec);
    if (!m) continue;
    map.set(m[3]!, { additions: m[1] === '-' ? null : Number(m[1]), deletions: m[2] === '-' ? null : Number(m[2]) });
  }
  return map;
}

const DIFF_OPTIONS = ['--no-renames', '--no-ext-diff', '--no-textconv', '--no-color', '--ignore-submodules=none'];

/** The raw changes from the start to `state`. */
export async function rawChanges(paths: WorktreePaths, meta: WorktreeMeta, state: CopyState, env: HostEnv): Promise<RawChange[]> {
  return parseRaw(expectGit('comparing the copy', await controlGit(paths, env, ['diff-tree', '-r', '-z', '--raw', '--no-abbrev', ...DIFF_OPTIONS.slice(0, 1), meta.startTree, state.tree])));
}

/** The files changed from the start to `state`, with line counts, and the patch when asked for. */
export async function diffCopy(paths: WorktreePaths, meta: WorktreeMeta, state: CopyState, env: HostEnv, withPatch: boolean): Promise<{ files: FileChange[]; patch: string }> {
  const raw = await rawChanges(paths, meta, state, env);
  const numstat = parseNumstat(expectGit('counting lines', await controlGit(paths, env, ['diff', '--numstat', '-z', ...DIFF_OPTIONS, meta.startTree, state.tree])));
  const files = raw.map((c) => ({ path: c.path, status: c.status, ...(numstat.get(c.path) ?? { additions: null, deletions: null }) }));
  const patch = withPatch ? expectGit('writing the patch', await controlGit(paths, env, ['diff', '--binary', '--full-index', ...DIFF_OPTIONS, meta.startTree, state.tree])) : '';
  return { files, patch };
}
