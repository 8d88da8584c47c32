// Takes a snapshot: scan, refuse over the caps before anything is written, hash each file (reusing the
// hash of the previous snapshot of the same directory when path, size, mtime, ctime and inode are
// unchanged), store new blobs, write the manifest last (a snapshot exists only once complete).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lock.js';
import { SnapshotError } from '../errors.js';
import { realpathLoose } from '../facts/realpath.js';
import { capProblem, DEFAULT_SNAPSHOT_CAPS, type SnapshotCaps, type SnapshotEntry, type SnapshotManifest } from '../plan/snapshot.js';
import { scanTree, type ScannedPath } from './scan.js';
import { adoptBlob, blobTempFile, latestOf, newSnapshotId, storeBlob, writeManifest } from './store.js';

export interface CreateOptions {
  store: string;
  env: NodeJS.ProcessEnv;
  name?: string;
  runId?: string;
  tool?: string;
  caps?: SnapshotCaps;
  /** Called with a progress line, at most twice a second and only after the first second. */
  progress?: (line: string) => void;
}

/** Files above this are streamed (hashed and copied in chunks) instead of read whole. */
const STREAM_ABOVE = 8 * 1024 * 1024;

function hashStreaming(file: string, copyTo: string | undefined): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const out = copyTo ? fs.openSync(copyTo, 'wx', 0o600) : undefined;
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      hash.update(buf.subarray(0, n));
      if (out !== undefined) fs.writeSync(out, buf, 0, n);
    }
  } finally {
    fs.closeSync(fd);
    if (out !== undefined) fs.closeSync(out);
  }
  return hash.digest('hex');
}

/** The entry of one scanned path; stores its blob when `store` is given. Returns it and the bytes written. */
function entryOf(dir: string, p: ScannedPath, previous: SnapshotEntry | undefined, store: string | undefined): { entry: SnapshotEntry; written: number } {
  const abs = path.join(dir, p.path);
  if (p.stat.isSymbolicLink()) return { entry: { type: 'symlink', target: fs.readlinkSync(abs) }, written: 0 };
  const facts = { size: p.stat.size, mode: p.stat.mode & 0o7777, mtimeMs: p.stat.mtimeMs, ctimeMs: p.stat.ctimeMs, ino: p.stat.ino };
  if (previous?.type === 'file' && previous.size === facts.size && previous.mtimeMs === facts.mtimeMs && previous.ctimeMs === facts.ctimeMs && previous.ino === facts.ino) {
    return { entry: { type: 'file', hash: previous.hash, ...facts }, written: 0 };
  }
  if (p.stat.size > STREAM_ABOVE) {
    const tmp = store ? blobTempFile(store) : undefined;
    const hash = hashStreaming(abs, tmp);
    return { entry: { type: 'file', hash, ...facts }, written: store && tmp ? adoptBlob(store, hash, tmp) : 0 };
  }
  const data = fs.readFileSync(abs);
  const hash = crypto.createHash('sha256').update(data).digest('hex');
  return { entry: { type: 'file', hash, ...facts }, written: store ? storeBlob(store, hash, data) : 0 };
}

/** The caps in force: SHIM_SNAPSHOT_MAX_BYTES and SHIM_SNAPSHOT_MAX_FILES override the defaults. */
export function capsFromEnv(env: NodeJS.ProcessEnv): SnapshotCaps {
  const n = (v: string | undefined, d: number) => (v && /^\d+$/.test(v.trim()) ? Number(v) : d);
  return { maxBytes: n(env.SHIM_SNAPSHOT_MAX_BYTES, DEFAULT_SNAPSHOT_CAPS.maxBytes), maxFiles: n(env.SHIM_SNAPSHOT_MAX_FILES, DEFAULT_SNAPSHOT_CAPS.maxFiles) };
}

/** The current state of `dir` as manifest files, hashed but not stored (for diff and restore planning). */
export function captureFiles(dir: string, env: NodeJS.ProcessEnv, reuse: SnapshotManifest['files'] = {}): { files: SnapshotManifest['files']; listing: 'git' | 'walk' } {
  const scan = scanTree(dir, env, Number.MAX_SAFE_INTEGER);
  const files: SnapshotManifest['files'] = {};
  for (const p of scan.paths) files[p.path] = entryOf(dir, p, reuse[p.path], undefined).entry;
  return { files, listing: scan.listing };
}

/** Snapshots `dir` into the store and returns its manifest and the blob bytes it added. */
export async function createSnapshot(dirArg: string, options: CreateOptions): Promise<{ manifest: SnapshotManifest; addedBytes: number }> {
  const dir = realpathLoose(dirArg);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new SnapshotError(`${dirArg} is not a directory`, 'name a directory (default: the project root)', 2);
  const caps = options.caps ?? capsFromEnv(options.env);
  const scan = scanTree(dir, options.env, caps.maxFiles);
  const problem = capProblem(scan.files, scan.bytes, caps);
  if (problem) {
    throw new SnapshotError(
      `${dir} is too large to snapshot: ${problem}; nothing was saved`,
      'add what need not be saved (build output, dependencies) to .gitignore, or raise SHIM_SNAPSHOT_MAX_BYTES / SHIM_SNAPSHOT_MAX_FILES',
    );
  }
  const store = options.store;
  fs.mkdirSync(store, { recursive: true, mode: 0o700 });
  // blobs are only ever deleted under this lock (delete, prune), so none vanishes under a new manifest
  return withLock(path.join(store, 'lock'), async () => {
    const previous = latestOf(store, dir)?.files ?? {};
    const files: SnapshotManifest['files'] = {};
    let addedBytes = 0;
    let done = 0;
    const started = Date.now();
    let lastReport = started;
    for (const p of scan.paths) {
      const { entry, written } = entryOf(dir, p, previous[p.path], store);
      files[p.path] = entry;
      addedBytes += written;
      done++;
      const now = Date.now();
      if (options.progress && now - started > 1000 && now - lastReport >= 500) {
        lastReport = now;
        options.progress(`snapshot: ${done}/${scan.files} files, ${(addedBytes / 1024 ** 2).toFixed(1)} MiB new`);
      }
    }
    const manifest: SnapshotManifest = {
      id: newSnapshotId(new Date()),
      ...(options.name ? { name: options.name } : {}),
      root: dir,
      createdAt: new Date().toISOString(),
      listing: scan.listing,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.tool ? { tool: options.tool } : {}),
      files,
    };
    writeManifest(store, manifest);
    return { manifest, addedBytes };
  });
}
