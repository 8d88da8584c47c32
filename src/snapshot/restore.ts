// Restores a snapshot: first snapshots the current state (so the restore can be undone), then removes
// what was created since, writes back changed and deleted files (temp file + rename, so a file is
// either old or new, never half) and sets modes. Planned from a fresh look at the tree each time, so
// an interrupted restore is finished by running it again. Ignored paths are in neither list: untouched.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { withLock } from '../lock.js';
import { SnapshotError } from '../errors.js';
import { parents, planRestore, type RestorePlan, type SnapshotEntry, type SnapshotManifest } from '../plan/snapshot.js';
import { createSnapshot, type CreateOptions } from './create.js';
import { blobPath } from './store.js';

export interface RestoreResult {
  /** The snapshot of the state before the restore. */
  before: string;
  plan: RestorePlan;
}

/** Makes sure `rel` (a directory below root) exists as a real directory, never through a symlink. */
function ensureRealDir(root: string, rel: string): void {
  let cur = root;
  for (const part of rel === '.' ? [] : rel.split('/')) {
    cur = path.join(cur, part);
    const st = fs.lstatSync(cur, { throwIfNoEntry: false });
    if (!st) fs.mkdirSync(cur);
    else if (!st.isDirectory()) {
      throw new SnapshotError(`cannot restore below ${cur}: it is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'} now and is not part of the snapshot (an ignored path?)`, 'move it away, then run the restore again');
    }
  }
}

function writeEntry(store: string, root: string, rel: string, entry: SnapshotEntry): void {
  const parent = path.posix.dirname(rel);
  ensureRealDir(root, parent);
  const dest = path.join(root, rel);
  const tmp = path.join(root, parent, `.${path.posix.basename(rel)}.shim-restore-${crypto.randomBytes(4).toString('hex')}`);
  try {
    if (entry.type === 'symlink') fs.symlinkSync(entry.target, tmp);
    else {
      const blob = blobPath(store, entry.hash);
      if (!fs.existsSync(blob)) throw new SnapshotError(`the snapshot's content of ${rel} is missing from the store (${blob})`, 'the store was changed outside shim; restore another snapshot');
      fs.copyFileSync(blob, tmp, fs.constants.COPYFILE_FICLONE);
      fs.chmodSync(tmp, entry.mode & 0o7777);
    }
    const st = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      // a directory now stands where the file was: only an empty one may go (ignored files stay)
      try {
        fs.rmdirSync(dest);
      } catch {
        throw new SnapshotError(`cannot restore ${dest}: a directory holding other (ignored) files is in its place`, 'move it away, then run the restore again');
      }
    }
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function removePath(root: string, rel: string): void {
  const abs = path.join(root, rel);
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) fs.unlinkSync(abs);
}

/** Removes directories left empty by the removals (deepest first), except those the snapshot needs. */
function removeEmptied(root: string, removed: readonly string[], needed: ReadonlySet<string>): void {
  const dirs = [...new Set(removed.flatMap(parents))].filter((d) => !needed.has(d)).sort().reverse();
  for (const d of dirs) {
    try {
      fs.rmdirSync(path.join(root, d));
    } catch {
      // not empty (ignored files, or files the snapshot has): kept
    }
  }
}

/** Applies a restore plan to `root` from the store's blobs. */
export function applyRestorePlan(store: string, root: string, target: SnapshotManifest['files'], plan: RestorePlan): void {
  for (const p of plan.remove) removePath(root, p);
  removeEmptied(root, plan.remove, new Set(Object.keys(target).flatMap(parents)));
  for (const w of plan.write) writeEntry(store, root, w.path, w.entry);
  for (const c of plan.chmod) fs.chmodSync(path.join(root, c.path), c.mode);
}

/** Restores `target` into its root after snapshotting the current state. */
export async function restoreSnapshot(target: SnapshotManifest, options: CreateOptions): Promise<RestoreResult> {
  if (!fs.statSync(target.root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SnapshotError(`the directory of snapshot ${target.id} (${target.root}) does not exist`, `create it (mkdir -p ${target.root}), then run the restore again`);
  }
  const { manifest: before } = await createSnapshot(target.root, { ...options, name: `before restore of ${target.id}` });
  let plan: RestorePlan;
  try {
    plan = planRestore(target.files, before.files);
  } catch (e) {
    throw new SnapshotError(`snapshot ${target.id} cannot be restored: ${(e as Error).message}`, 'its manifest was changed outside shim');
  }
  // under the store's lock, so no delete or prune removes a blob this restore still needs
  await withLock(path.join(options.store, 'lock'), async () => applyRestorePlan(options.store, target.root, target.files, plan));
  return { before: before.id, plan };
}
