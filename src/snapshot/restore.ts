// Restores a snapshot: first snapshots the current state (so the restore can be undone), then removes
// every .git the snapshot did not have (a repository made by a tool runs its config on the host), puts
// back the snapshot's ignore rules, and only then looks at the tree again with those rules: what was
// not ignored then and is not in the snapshot goes, changed and deleted files are written back (temp
// file + rename, so a file is either old or new, never half), modes are set. Every access goes through
// a descriptor opened without following links (rooted.ts), so a tool swapping a directory for a
// symlink meanwhile cannot make shim delete or write outside the directory. Planned from a fresh look
// each time, so an interrupted restore is finished by running it again.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { withLock } from '../lock.js';
import { SnapshotError } from '../errors.js';
import { MOUNT_WALK_LIMIT } from '../defaults.js';
import { gitsToRemove, ignoreRuleFiles, parents, planRestore, summarize, type RestorePlan, type SnapshotEntry, type SnapshotManifest } from '../plan/snapshot.js';
import { decodeName } from '../plan/snapshot-names.js';
import { captureScan, capsFromEnv, createSnapshot, type CreateOptions } from './create.js';
import { components, RootedTree } from './rooted.js';
import { findGits, inGitWorkTree, scanTree, type Scan } from './scan.js';
import { hiddenOverCaps, hiddenPaths } from './restore-hidden.js';
import { copyFileSparse } from './sparse.js';
import { blobPath, deleteSnapshots, writeManifest } from './store.js';

export interface RestoreResult {
  /** The snapshot of the state before the restore. */
  before: string;
  plan: RestorePlan;
  /** The .git entries removed (the snapshot did not have them). */
  removedGits: string[];
}

/** A manifest path as the directory components and the name of its bytes. */
function located(key: string): { dir: Buffer[]; name: Buffer } {
  const bytes = decodeName(key);
  const parts = bytes ? components(bytes) : [];
  if (!parts.length) throw new SnapshotError(`the snapshot holds an invalid path ${JSON.stringify(key)}`, 'its manifest was changed outside shim');
  return { dir: parts.slice(0, -1), name: parts.at(-1)! };
}

function writeEntry(tree: RootedTree, store: string, key: string, entry: SnapshotEntry): void {
  const { dir, name } = located(key);
  const tmp = Buffer.from(`.shim-restore-${crypto.randomBytes(6).toString('hex')}`);
  try {
    if (entry.type === 'symlink') {
      const target = decodeName(entry.target);
      if (!target?.length || target.includes(0)) throw new SnapshotError(`the snapshot holds an invalid link target for ${key}`, 'its manifest was changed outside shim');
      tree.symlink(dir, tmp, target);
    } else {
      const blob = blobPath(store, entry.hash);
      if (!fs.existsSync(blob)) throw new SnapshotError(`the snapshot's content of ${key} is missing from the store (${blob})`, 'the store was changed outside shim; restore another snapshot');
      const out = tree.createFile(dir, tmp);
      try {
        copyFileSparse(blob, out);
        fs.fchmodSync(out, entry.mode & 0o7777);
      } finally {
        fs.closeSync(out);
      }
    }
    // a directory now stands where the file was: only an empty one may go (ignored files stay)
    if (tree.lstat(dir, name)?.isDirectory() && !tree.rmdir(dir, name)) {
      throw new SnapshotError(`cannot restore ${path.join(tree.root, key)}: a directory holding other (ignored) files is in its place`, 'move it away, then run the restore again');
    }
    tree.rename(dir, tmp, name);
  } catch (e) {
    tree.unlink(dir, tmp);
    throw e;
  }
}

function removePath(tree: RootedTree, key: string): void {
  const { dir, name } = located(key);
  if (!tree.lstat(dir, name)?.isDirectory()) tree.unlink(dir, name);
}

/** Removes directories left empty by the removals (deepest first), except those the snapshot needs. */
function removeEmptied(tree: RootedTree, removed: readonly string[], needed: ReadonlySet<string>): void {
  const dirs = [...new Set(removed.flatMap(parents))].filter((d) => !needed.has(d)).sort().reverse();
  for (const d of dirs) {
    const { dir, name } = located(d);
    // not empty (ignored files, or files the snapshot has): kept
    tree.rmdir(dir, name);
  }
}

/** Applies a restore plan to the tree from the store's blobs. */
export function applyRestorePlan(store: string, tree: RootedTree, target: SnapshotManifest['files'], plan: RestorePlan): void {
  for (const p of plan.remove) removePath(tree, p);
  removeEmptied(tree, plan.remove, new Set(Object.keys(target).flatMap(parents)));
  for (const w of plan.write) writeEntry(tree, store, w.path, w.entry);
  for (const c of plan.chmod) {
    const { dir, name } = located(c.path);
    tree.chmod(dir, name, c.mode);
  }
}

function plannedOrRefused(target: SnapshotManifest, files: SnapshotManifest['files'], current: SnapshotManifest['files']): RestorePlan {
  try {
    return planRestore(files, current);
  } catch (e) {
    throw new SnapshotError(`snapshot ${target.id} cannot be restored: ${(e as Error).message}`, 'its manifest was changed outside shim');
  }
}

/** Restores `target` into its root after snapshotting the current state. */
export async function restoreSnapshot(target: SnapshotManifest, options: CreateOptions): Promise<RestoreResult> {
  const root = target.root;
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SnapshotError(`the directory of snapshot ${target.id} (${root}) does not exist`, `create it (mkdir -p ${root}), then run the restore again`);
  }
  if (target.listing === 'git' && !inGitWorkTree(root, options.env)) {
    throw new SnapshotError(`snapshot ${target.id} was taken of a git work tree, and ${root} is not one now: its ignored files could not be told apart`, `restore the repository (${root}/.git) first, then run the restore again`);
  }
  // the state before, listed as the snapshot was (a tool's `git init` does not change what is saved)
  const { manifest: before } = await createSnapshot(root, { ...options, name: `before restore of ${target.id}`, listing: target.listing });
  plannedOrRefused(target, target.files, before.files);
  // under the store's lock, so no delete or prune removes a blob this restore still needs
  return withLock(path.join(options.store, 'lock'), async () => {
    const tree = new RootedTree(root);
    try {
      // past the walk limit a tool-made .git would stay unseen: refuse rather than restore around it
      const current = findGits(tree, MOUNT_WALK_LIMIT);
      if (!current) throw new SnapshotError(`${root} has more than ${MOUNT_WALK_LIMIT} entries: shim cannot look for git repositories a tool made there, so it does not restore around them`, 'remove what the tool added (or restore into a smaller directory), then run the restore again');
      const removedGits = gitsToRemove(target.gits, current);
      // the snapshot's own ignore rules first, so the rules a tool edited decide nothing
      const rules = plannedOrRefused(target, ignoreRuleFiles(target.files), ignoreRuleFiles(before.files));
      applyRestorePlan(options.store, tree, target.files, rules);
      // files the tool's rules (or its repository) hid from the "before" snapshot are saved in it too,
      // within its caps: measured before a .git goes (then git would list what is in it), and refused
      // with the tool's rules put back and the "before" snapshot deleted, so nothing changed
      const caps = options.caps ?? capsFromEnv(options.env);
      const putBack = new Set(rules.write.map((w) => w.path));
      const repos = removedGits.map((g) => located(g).dir).filter((d) => d.length);
      const refusal = (scan: Scan) => hiddenOverCaps(root, before, hiddenPaths(scan, before.files, putBack), caps);
      const refuse = (e: SnapshotError) => {
        applyRestorePlan(options.store, tree, before.files, plannedOrRefused(before, ignoreRuleFiles(before.files), ignoreRuleFiles(target.files)));
        deleteSnapshots(options.store, [before.id]);
        return e;
      };
      const over = refusal(scanTree(tree, options.env, caps.maxFiles, target.listing, repos));
      if (over) throw refuse(over);
      for (const g of removedGits) {
        const { dir, name } = located(g);
        tree.removeTree(dir, name);
      }
      removeEmptied(tree, removedGits, new Set(Object.keys(target.files).flatMap(parents)));
      const scan = scanTree(tree, options.env, caps.maxFiles, target.listing);
      const raced = refusal(scan);
      if (raced) throw refuse(raced);
      const now = captureScan(tree, scan, before.files, options.store, caps.maxBytes - summarize(before).bytes);
      const hidden = Object.fromEntries(Object.entries(now.files).filter(([p]) => !(p in before.files) && !putBack.has(p)));
      if (Object.keys(hidden).length) writeManifest(options.store, { ...before, files: { ...before.files, ...hidden } });
      const plan = plannedOrRefused(target, target.files, now.files);
      applyRestorePlan(options.store, tree, target.files, plan);
      return {
        before: before.id,
        plan: { remove: [...new Set([...rules.remove, ...plan.remove])].sort(), write: [...rules.write, ...plan.write], chmod: plan.chmod },
        removedGits,
      };
    } finally {
      tree.close();
    }
  });
}
