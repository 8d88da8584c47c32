// What a restore adds to the snapshot it takes first (the one that undoes it): the files the snapshot's
// own ignore rules show and the tool's rules (or a repository it made) hid. They are saved within the
// caps of any snapshot, counted together with what that snapshot already holds: a tool planting huge
// hidden files cannot fill the disk through the store. Over the caps the restore is refused, before it
// restores or stores anything.
import { SnapshotError } from '../errors.js';
import { capProblem, summarize, type SnapshotCaps, type SnapshotManifest } from '../plan/snapshot.js';
import type { Scan, ScannedPath } from './scan.js';

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;
const sizeOf = (p: ScannedPath) => (p.stat.isFile() ? p.stat.size : 0);

/** The scanned paths the "before" snapshot lacks, less those the restore writes itself. */
export function hiddenPaths(scan: Scan, before: SnapshotManifest['files'], putBack: ReadonlySet<string>): ScannedPath[] {
  return scan.paths.filter((p) => !(p.key in before) && !putBack.has(p.key));
}

/** The refusal when `before` with the `hidden` files would be over the caps, else undefined. */
export function hiddenOverCaps(root: string, before: SnapshotManifest, hidden: readonly ScannedPath[], caps: SnapshotCaps): SnapshotError | undefined {
  const saved = summarize(before);
  const bytes = hidden.reduce((n, p) => n + sizeOf(p), 0);
  const problem = capProblem(saved.files + hidden.length, saved.bytes + bytes, caps);
  if (!problem) return undefined;
  // names as the manifest spells them (no control bytes reach the terminal)
  const largest = [...hidden].sort((a, b) => sizeOf(b) - sizeOf(a)).slice(0, 3).map((p) => `${p.key} (${mib(sizeOf(p))})`);
  const key = saved.files + hidden.length > caps.maxFiles ? 'SHIM_SNAPSHOT_MAX_FILES' : 'SHIM_SNAPSHOT_MAX_BYTES';
  return new SnapshotError(
    `cannot restore ${root}: ${hidden.length} file${hidden.length === 1 ? '' : 's'} (${mib(bytes)}) hidden by the ignore rules the tool changed or a repository it made ` +
      `(largest: ${largest.join(', ')}) would have to be saved first, so that the restore can be undone, and that snapshot would be too large: ${problem}; nothing was restored`,
    `look at those files: delete what need not be kept, or raise ${key} (an environment variable), then run the restore again`,
  );
}
