// Project snapshots, the pure part: the manifest format, what changed between two manifests, what a
// restore must do, the caps, and which snapshots a prune removes. No fs, no clock.
import path from 'node:path';
import { decodeName } from './snapshot-names.js';

/** One saved path: a regular file (by content hash) or a symlink (by target). */
export type SnapshotEntry =
  | { type: 'file'; hash: string; size: number; mode: number; mtimeMs: number; ctimeMs: number; ino: number }
  | { type: 'symlink'; target: string };

/** A snapshot as stored (manifests/<id>.json). Paths (and symlink targets) are relative to `root`,
 *  with "/" separators, spelled as snapshot-names.ts says ("names": "escaped"; older manifests held
 *  plain UTF-8 and are re-spelled when read). */
export interface SnapshotManifest {
  id: string;
  name?: string;
  /** Real path of the directory it covers. */
  root: string;
  createdAt: string;
  /** How the paths were chosen: git's view (ignored files left out) or every file below root. */
  listing: 'git' | 'walk';
  /** The run it was taken before, and its tool (automatic snapshots). */
  runId?: string;
  tool?: string;
  /** The spelling of paths and targets: "escaped" (snapshot-names.ts); absent in older manifests. */
  names?: 'escaped';
  /** Every `.git` (directory, file or link) below root when it was taken, root's own as ".git";
   *  absent in older manifests (a restore then removes none). */
  gits?: string[];
  files: Record<string, SnapshotEntry>;
}

/** A snapshot without its file list, for `list`. */
export interface SnapshotSummary {
  id: string;
  name?: string;
  root: string;
  createdAt: string;
  files: number;
  bytes: number;
  runId?: string;
  tool?: string;
}

export interface SnapshotDiff {
  added: string[];
  changed: string[];
  deleted: string[];
  modeChanged: { path: string; from: string; to: string }[];
}

/** What a restore does, in order: remove created paths, then write and chmod. */
export interface RestorePlan {
  remove: string[];
  write: { path: string; entry: SnapshotEntry }[];
  chmod: { path: string; mode: number }[];
}

export interface SnapshotCaps {
  maxBytes: number;
  maxFiles: number;
}

/** 2 GiB and 200,000 files per snapshot. */
export const DEFAULT_SNAPSHOT_CAPS: SnapshotCaps = { maxBytes: 2 * 1024 ** 3, maxFiles: 200_000 };

/** "0755" */
export const formatMode = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** Returns a summary of a manifest. */
export function summarize(m: SnapshotManifest): SnapshotSummary {
  const entries = Object.values(m.files);
  const bytes = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  return { id: m.id, ...(m.name ? { name: m.name } : {}), root: m.root, createdAt: m.createdAt, files: entries.length, bytes, ...(m.runId ? { runId: m.runId } : {}), ...(m.tool ? { tool: m.tool } : {}) };
}

const sameContent = (a: SnapshotEntry, b: SnapshotEntry) =>
  a.type === 'file' && b.type === 'file' ? a.hash === b.hash : a.type === 'symlink' && b.type === 'symlink' && a.target === b.target;

/** What changed from `before` to `after`: added, changed content (or type), deleted, mode-only changes. */
export function diffManifests(before: SnapshotManifest['files'], after: SnapshotManifest['files']): SnapshotDiff {
  const diff: SnapshotDiff = { added: [], changed: [], deleted: [], modeChanged: [] };
  for (const p of Object.keys(after).sort()) {
    const a = before[p];
    const b = after[p]!;
    if (!a) diff.added.push(p);
    else if (!sameContent(a, b)) diff.changed.push(p);
    else if (a.type === 'file' && b.type === 'file' && (a.mode & 0o7777) !== (b.mode & 0o7777)) diff.modeChanged.push({ path: p, from: formatMode(a.mode), to: formatMode(b.mode) });
  }
  for (const p of Object.keys(before).sort()) if (!(p in after)) diff.deleted.push(p);
  return diff;
}

/** True for a (canonically spelled) relative path that stays inside the root and never names .git.
 *  Any other name Linux allows is fine: backslashes, newlines, bytes that are not UTF-8. */
export function isSafeSnapshotPath(p: string): boolean {
  const bytes = decodeName(p);
  if (!bytes?.length || bytes.includes(0) || bytes[0] === 0x2f) return false;
  return bytes
    .toString('latin1')
    .split('/')
    .every((c) => c !== '' && c !== '.' && c !== '..' && c !== '.git');
}

/** Returns the restore that turns `current` back into `target`; refuses a manifest with unsafe paths. */
export function planRestore(target: SnapshotManifest['files'], current: SnapshotManifest['files']): RestorePlan {
  const bad = Object.keys(target).filter((p) => !isSafeSnapshotPath(p));
  if (bad.length) throw new Error(`the snapshot holds paths outside its directory or inside .git: ${bad.slice(0, 3).join(', ')}`);
  const diff = diffManifests(current, target);
  // a path whose type changes is removed first (a file where a symlink was, or the reverse)
  const typeChanged = diff.changed.filter((p) => current[p]!.type !== target[p]!.type || current[p]!.type === 'symlink');
  // deepest first, so a directory left empty can go after its files
  const remove = [...new Set([...diff.deleted, ...typeChanged])].sort().reverse();
  const write = [...diff.added, ...diff.changed].sort().map((p) => ({ path: p, entry: target[p]! }));
  const chmod = diff.modeChanged.map((c) => ({ path: c.path, mode: parseInt(c.to, 8) }));
  return { remove, write, chmod };
}

/** The part of a manifest that holds ignore rules (restore puts these back first, then decides with
 *  them which current files were not ignored when the snapshot was taken). */
export function ignoreRuleFiles(files: SnapshotManifest['files']): SnapshotManifest['files'] {
  return Object.fromEntries(Object.entries(files).filter(([p]) => path.posix.basename(p) === '.gitignore'));
}

/** True when two file lists hold the same paths with the same content, type and mode. */
export function sameFiles(a: SnapshotManifest['files'], b: SnapshotManifest['files']): boolean {
  if (Object.keys(a).length !== Object.keys(b).length) return false;
  const d = diffManifests(a, b);
  return !d.added.length && !d.changed.length && !d.deleted.length && !d.modeChanged.length;
}

/** The `.git` entries a restore removes: those found now that the snapshot did not have (none when it
 *  does not know). Deepest first; one inside another that goes is left to that one. */
export function gitsToRemove(snapshotGits: readonly string[] | undefined, current: readonly string[]): string[] {
  if (!snapshotGits) return [];
  const had = new Set(snapshotGits);
  const gone = current.filter((g) => !had.has(g) && isSafeGitPath(g));
  return gone.filter((g) => !gone.some((o) => o !== g && g.startsWith(`${o}/`))).sort().reverse();
}

/** True for a relative path whose last component is .git and which otherwise stays inside the root. */
function isSafeGitPath(g: string): boolean {
  if (g === '.git') return true;
  return g.endsWith('/.git') && isSafeSnapshotPath(g.slice(0, -5));
}

/** The ancestor directories of a relative path, nearest last ("a/b/c" → ["a", "a/b"]). */
export function parents(p: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) out.unshift(d);
  return out;
}

/** Undefined when a tree of `files` files and `bytes` bytes fits the caps, else why it does not. */
export function capProblem(files: number, bytes: number, caps: SnapshotCaps): string | undefined {
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (files > caps.maxFiles) return `${files} files, over the cap of ${caps.maxFiles} files per snapshot`;
  if (bytes > caps.maxBytes) return `${gib(bytes)} (${bytes} bytes), over the cap of ${gib(caps.maxBytes)} (${caps.maxBytes} bytes) per snapshot (apparent sizes: a sparse file counts in full)`;
  return undefined;
}

/** The snapshots `prune` removes: beyond the newest `keep` of each root, or older than `olderThanMs`. */
export function planPrune(snapshots: readonly SnapshotSummary[], options: { keep?: number; olderThanMs?: number; now: number }): string[] {
  const byRoot = new Map<string, SnapshotSummary[]>();
  for (const s of snapshots) byRoot.set(s.root, [...(byRoot.get(s.root) ?? []), s]);
  const out: string[] = [];
  for (const list of byRoot.values()) {
    const newest = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    newest.forEach((s, i) => {
      const beyond = options.keep !== undefined && i >= options.keep;
      const old = options.olderThanMs !== undefined && options.now - Date.parse(s.createdAt) > options.olderThanMs;
      if (beyond || old) out.push(s.id);
    });
  }
  return out.sort();
}

/** How many automatic snapshots (those taken before a run) are kept per directory: the newest `keep`,
 *  none older than `maxAgeMs` (0 or undefined: no such limit). */
export interface SnapshotRetention {
  keep?: number;
  maxAgeMs?: number;
}

/** The newest 50 per directory, and 7 days. */
export const DEFAULT_SNAPSHOT_RETENTION: Required<SnapshotRetention> = { keep: 50, maxAgeMs: 7 * 24 * 3600 * 1000 };

/** The retention in force: settings' "snapshot_retention" over the defaults ("max_age": "0" = no age limit). */
export function resolveRetention(setting: { keep?: number; max_age?: string } | undefined): SnapshotRetention {
  const units: Record<string, number> = { m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };
  const m = setting?.max_age ? /^(\d+)([mhdw])$/.exec(setting.max_age) : null;
  const maxAgeMs = setting?.max_age === undefined ? DEFAULT_SNAPSHOT_RETENTION.maxAgeMs : m ? Number(m[1]) * units[m[2]!]! : 0;
  return { keep: setting?.keep ?? DEFAULT_SNAPSHOT_RETENTION.keep, maxAgeMs };
}

/** The automatic snapshots of `root` that retention removes. Manual ones (no run id) are never counted
 *  or removed, nor is the newest snapshot of the directory (the one just taken, or reused). */
export function planRetention(snapshots: readonly SnapshotSummary[], root: string, retention: SnapshotRetention, now: number): string[] {
  const ofRoot = snapshots.filter((s) => s.root === root).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const newest = ofRoot[0]?.id;
  const auto = ofRoot.filter((s) => s.runId !== undefined);
  return auto
    .filter((s, i) => s.id !== newest && ((retention.keep !== undefined && i >= retention.keep) || (!!retention.maxAgeMs && now - Date.parse(s.createdAt) > retention.maxAgeMs)))
    .map((s) => s.id)
    .sort();
}

/** Every hash the manifests reference (blobs outside it can go). */
export function referencedHashes(manifests: readonly SnapshotManifest[]): Set<string> {
  return new Set(manifests.flatMap((m) => Object.values(m.files).flatMap((e) => (e.type === 'file' ? [e.hash] : []))));
}

/** The host directories a tool's automatic snapshot covers: read-write host mounts (not volumes), each
 *  once (a mount inside another is covered by it). */
export function snapshotRoots(mounts: readonly { src: string; mode: 'ro' | 'rw' }[]): string[] {
  const rw = [...new Set(mounts.filter((m) => m.mode === 'rw' && m.src.startsWith('/')).map((m) => m.src))].sort();
  return rw.filter((src) => !rw.some((o) => o !== src && (src === o || src.startsWith(o.endsWith('/') ? o : `${o}/`))));
}
