// Takes a snapshot: scan, refuse over the caps before anything is written, hash each file (reusing the
// hash of the previous snapshot of the same directory when path, size, mtime, ctime and inode are
// unchanged), store new blobs, write the manifest last (a snapshot exists only once complete). Every
// file is read through a descriptor opened without following links (rooted.ts), so a tool swapping a
// directory for a symlink meanwhile cannot make shim save a file from outside the directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lock.js';
import { SnapshotError } from '../errors.js';
import { MOUNT_WALK_LIMIT } from '../defaults.js';
import { realpathLoose } from '../facts/realpath.js';
import { capProblem, DEFAULT_SNAPSHOT_CAPS, planRetention, sameFiles, summarize, type SnapshotCaps, type SnapshotEntry, type SnapshotManifest, type SnapshotRetention } from '../plan/snapshot.js';
import { encodeName } from '../plan/snapshot-names.js';
import { RootedTree } from './rooted.js';
import { findGits, scanTree, type Scan, type ScannedPath } from './scan.js';
import { CHUNK, writeSkippingZeros } from './sparse.js';
import { adoptBlob, blobTempFile, deleteSnapshots, latestOf, loadManifests, newSnapshotId, storeBlob, writeManifest } from './store.js';

export interface CreateOptions {
  store: string;
  env: NodeJS.ProcessEnv;
  name?: string;
  runId?: string;
  tool?: string;
  caps?: SnapshotCaps;
  /** The listing to use whatever the directory is now (a restore's "before" uses its target's). */
  listing?: 'git' | 'walk';
  /** An automatic snapshot: an unchanged tree adds no entry (the previous snapshot's id is returned),
   *  and the retention is applied to the directory's automatic snapshots once it is taken. */
  automatic?: { retention: SnapshotRetention };
  /** Called with a progress line, at most twice a second and only after the first second. */
  progress?: (line: string) => void;
}

/** Files above this are streamed (hashed and copied in chunks) instead of read whole. */
const STREAM_ABOVE = 8 * 1024 * 1024;

/** One read buffer for every file (reads are synchronous, so never shared by two at once). */
const READ_BUF = Buffer.allocUnsafe(CHUNK);

/** Counts the bytes read against the cap (a file may grow after the scan). */
interface Budget {
  left: number;
  dir: string;
}

function spend(budget: Budget, n: number): void {
  budget.left -= n;
  if (budget.left < 0) throw new SnapshotError(`${budget.dir} grew past the snapshot's byte cap while it was being saved; nothing was saved`, 'stop what writes there, then try again');
}

/** Hashes an open file; copies it (holes kept) into `copyTo` when given. */
function hashFd(fd: number, budget: Budget, copyTo: string | undefined): { hash: string; size: number } {
  const hash = crypto.createHash('sha256');
  const out = copyTo ? fs.openSync(copyTo, 'wx', 0o600) : undefined;
  let pos = 0;
  try {
    const buf = READ_BUF;
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; pos += n) {
      spend(budget, n);
      hash.update(buf.subarray(0, n));
      if (out !== undefined) writeSkippingZeros(out, buf.subarray(0, n), pos);
    }
    if (out !== undefined) fs.ftruncateSync(out, pos);
  } finally {
    if (out !== undefined) fs.closeSync(out);
  }
  return { hash: hash.digest('hex'), size: pos };
}

/** The entry of one scanned path (undefined when it vanished meanwhile); stores its blob when `store`
 *  is given. Returns it and the bytes written. */
function entryOf(tree: RootedTree, p: ScannedPath, previous: SnapshotEntry | undefined, store: string | undefined, budget: Budget): { entry: SnapshotEntry; written: number } | undefined {
  if (p.stat.isSymbolicLink()) {
    const target = tree.readlink(p.dir, p.name);
    return target && { entry: { type: 'symlink', target: encodeName(target) }, written: 0 };
  }
  const same = (s: fs.Stats) => ({ size: s.size, mode: s.mode & 0o7777, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino });
  const facts = same(p.stat);
  if (previous?.type === 'file' && previous.size === facts.size && previous.mtimeMs === facts.mtimeMs && previous.ctimeMs === facts.ctimeMs && previous.ino === facts.ino) {
    return { entry: { type: 'file', hash: previous.hash, ...facts }, written: 0 };
  }
  const opened = tree.openFile(p.dir, p.name);
  if (!opened) return undefined;
  try {
    const now = same(opened.stat);
    if (opened.stat.size > STREAM_ABOVE) {
      const tmp = store ? blobTempFile(store) : undefined;
      try {
        const { hash, size } = hashFd(opened.fd, budget, tmp);
        return { entry: { type: 'file', hash, ...now, size }, written: store && tmp ? adoptBlob(store, hash, tmp) : 0 };
      } catch (e) {
        if (tmp) fs.rmSync(tmp, { force: true });
        throw e;
      }
    }
    // the size fstat gave, read straight into one buffer; a file that grew meanwhile is read on in chunks
    const chunks: Buffer[] = [];
    const first = Buffer.allocUnsafe(opened.stat.size);
    let got = 0;
    for (let n; got < first.length && (n = fs.readSync(opened.fd, first, got, first.length - got, null)) > 0; ) got += n;
    spend(budget, got);
    chunks.push(first.subarray(0, got));
    for (let n; (n = fs.readSync(opened.fd, READ_BUF, 0, READ_BUF.length, null)) > 0; ) {
      spend(budget, n);
      chunks.push(Buffer.from(READ_BUF.subarray(0, n)));
    }
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const hash = crypto.createHash('sha256').update(data).digest('hex');
    return { entry: { type: 'file', hash, ...now, size: data.length }, written: store ? storeBlob(store, hash, data) : 0 };
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The caps in force: SHIM_SNAPSHOT_MAX_BYTES and SHIM_SNAPSHOT_MAX_FILES override the defaults. */
export function capsFromEnv(env: NodeJS.ProcessEnv): SnapshotCaps {
  const n = (v: string | undefined, d: number) => (v && /^\d+$/.test(v.trim()) ? Number(v) : d);
  return { maxBytes: n(env.SHIM_SNAPSHOT_MAX_BYTES, DEFAULT_SNAPSHOT_CAPS.maxBytes), maxFiles: n(env.SHIM_SNAPSHOT_MAX_FILES, DEFAULT_SNAPSHOT_CAPS.maxFiles) };
}

/** The scanned files, hashed (reusing `reuse`'s hash of a file whose stat facts are unchanged); the blobs
 *  of those read stored when `store` is given, counting their bytes against `maxBytes`. */
export function captureScan(tree: RootedTree, scan: Scan, reuse: SnapshotManifest['files'], store?: string, maxBytes = Number.MAX_SAFE_INTEGER): { files: SnapshotManifest['files']; listing: 'git' | 'walk' } {
  const files: SnapshotManifest['files'] = {};
  const budget = { left: maxBytes, dir: tree.root };
  for (const p of scan.paths) {
    const got = entryOf(tree, p, reuse[p.key], store, budget);
    if (got) files[p.key] = got.entry;
  }
  return { files, listing: scan.listing };
}

/** The current files of the tree under `listing`, hashed (not stored). */
export function captureTree(tree: RootedTree, env: NodeJS.ProcessEnv, listing: 'git' | 'walk' | undefined, reuse: SnapshotManifest['files']): { files: SnapshotManifest['files']; listing: 'git' | 'walk' } {
  return captureScan(tree, scanTree(tree, env, Number.MAX_SAFE_INTEGER, listing), reuse);
}

/** The current state of `dir` as manifest files, hashed but not stored (for diff). */
export function captureFiles(dir: string, env: NodeJS.ProcessEnv, reuse: SnapshotManifest['files'] = {}, listing?: 'git' | 'walk'): { files: SnapshotManifest['files']; listing: 'git' | 'walk' } {
  const tree = new RootedTree(dir);
  try {
    return captureTree(tree, env, listing, reuse);
  } finally {
    tree.close();
  }
}

/** True when the directory of `m` holds exactly what it saved: the same files and the same .git entries. */
export function treeMatches(m: SnapshotManifest, env: NodeJS.ProcessEnv): boolean {
  let tree: RootedTree;
  try {
    tree = new RootedTree(m.root);
  } catch {
    return false;
  }
  try {
    return sameFiles(m.files, captureTree(tree, env, m.listing, m.files).files) && JSON.stringify(findGits(tree, MOUNT_WALK_LIMIT)) === JSON.stringify(m.gits);
  } finally {
    tree.close();
  }
}

/** Snapshots `dir` into the store and returns its manifest and the blob bytes it added (`reused`: an
 *  automatic snapshot of an unchanged tree, which is the previous snapshot). */
export async function createSnapshot(dirArg: string, options: CreateOptions): Promise<{ manifest: SnapshotManifest; addedBytes: number; reused?: boolean }> {
  const dir = realpathLoose(dirArg);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new SnapshotError(`${dirArg} is not a directory`, 'name a directory (default: the project root)', 2);
  const tree = new RootedTree(dir);
  try {
    return await createIn(tree, options);
  } finally {
    tree.close();
  }
}

async function createIn(tree: RootedTree, options: CreateOptions): Promise<{ manifest: SnapshotManifest; addedBytes: number; reused?: boolean }> {
  const dir = tree.root;
  const caps = options.caps ?? capsFromEnv(options.env);
  const scan = scanTree(tree, options.env, caps.maxFiles, options.listing);
  const problem = capProblem(scan.files, scan.bytes, caps);
  if (problem) {
    throw new SnapshotError(
      `${dir} is too large to snapshot: ${problem}; nothing was saved`,
      'add what need not be saved (build output, dependencies) to .gitignore, or raise SHIM_SNAPSHOT_MAX_BYTES / SHIM_SNAPSHOT_MAX_FILES',
    );
  }
  const gits = findGits(tree, MOUNT_WALK_LIMIT);
  const store = options.store;
  fs.mkdirSync(store, { recursive: true, mode: 0o700 });
  // blobs are only ever deleted under this lock (delete, prune), so none vanishes under a new manifest
  return withLock(path.join(store, 'lock'), async () => {
    const manifests = loadManifests(store);
    const latest = latestOf(manifests, dir);
    const previous = latest?.files ?? {};
    const files: SnapshotManifest['files'] = {};
    const budget = { left: caps.maxBytes, dir };
    let addedBytes = 0;
    let done = 0;
    const started = Date.now();
    let lastReport = started;
    for (const p of scan.paths) {
      const got = entryOf(tree, p, previous[p.key], store, budget);
      if (got) files[p.key] = got.entry;
      addedBytes += got?.written ?? 0;
      done++;
      const now = Date.now();
      if (options.progress && now - started > 1000 && now - lastReport >= 500) {
        lastReport = now;
        options.progress(`snapshot: ${done}/${scan.files} files, ${(addedBytes / 1024 ** 2).toFixed(1)} MiB new`);
      }
    }
    // an automatic snapshot of a tree that has not changed since the last one is that one
    if (options.automatic && latest && latest.listing === scan.listing && sameFiles(latest.files, files) && JSON.stringify(latest.gits) === JSON.stringify(gits)) {
      return { manifest: latest, addedBytes, reused: true };
    }
    const manifest: SnapshotManifest = {
      id: newSnapshotId(new Date()),
      ...(options.name ? { name: options.name } : {}),
      root: dir,
      createdAt: new Date().toISOString(),
      listing: scan.listing,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.tool ? { tool: options.tool } : {}),
      names: 'escaped',
      ...(gits ? { gits } : {}),
      files,
    };
    writeManifest(store, manifest);
    if (options.automatic) {
      const expired = planRetention([...manifests, manifest].map(summarize), dir, options.automatic.retention, Date.now());
      if (expired.length) deleteSnapshots(store, expired);
    }
    return { manifest, addedBytes };
  });
}
