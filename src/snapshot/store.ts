// The snapshot store on disk: $XDG_DATA_HOME/shim/snapshots (default ~/.local/share/shim/snapshots),
// blobs/<2 hex>/<sha256> stored once however many snapshots hold them, manifests/<id>.json. Everything
// is written to a temporary name and renamed, so an interrupted write leaves no half file behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SnapshotError } from '../errors.js';
import { referencedHashes, summarize, type SnapshotEntry, type SnapshotManifest, type SnapshotSummary } from '../plan/snapshot.js';
import { fromLegacyName } from '../plan/snapshot-names.js';
import { writeSparse } from './sparse.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The store's directory for this environment. */
export function snapshotStoreDir(env: Env, home: string): string {
  const data = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(data, 'shim', 'snapshots');
}

const ID_RE = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
/** True for a string shaped like a snapshot id (20261202-172439-a1b2c3). */
export const isSnapshotId = (s: string) => ID_RE.test(s);

/** A new id: the UTC time to the second, then random hex (sorts by time). */
export function newSnapshotId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${crypto.randomBytes(3).toString('hex')}`;
}

export const blobPath = (store: string, hash: string) => path.join(store, 'blobs', hash.slice(0, 2), hash);
const manifestPath = (store: string, id: string) => path.join(store, 'manifests', `${id}.json`);
const tmpName = (file: string) => `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

/** Writes `data` as the blob of `hash` unless it is stored already (blocks of zeros as holes); returns
 *  the bytes written. */
export function storeBlob(store: string, hash: string, data: Buffer): number {
  const file = blobPath(store, hash);
  if (fs.existsSync(file)) return 0;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tmpName(file);
  const fd = fs.openSync(tmp, 'wx', 0o400);
  let written: number;
  try {
    written = writeSparse(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return written;
}

/** Moves a finished temporary file (streamed large file) into place as the blob of `hash`; returns the
 *  bytes it holds on disk. */
export function adoptBlob(store: string, hash: string, tmp: string): number {
  const file = blobPath(store, hash);
  if (fs.existsSync(file)) {
    fs.rmSync(tmp, { force: true });
    return 0;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.chmodSync(tmp, 0o400);
  const st = fs.statSync(tmp);
  fs.renameSync(tmp, file);
  return Math.min(st.size, st.blocks * 512);
}

/** A temporary file name inside the store (same file system as the blobs, so rename works). */
export function blobTempFile(store: string): string {
  fs.mkdirSync(path.join(store, 'tmp'), { recursive: true, mode: 0o700 });
  return tmpName(path.join(store, 'tmp', 'blob'));
}

export function writeManifest(store: string, m: SnapshotManifest): void {
  const file = manifestPath(store, m.id);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tmpName(file);
  fs.writeFileSync(tmp, JSON.stringify(m), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** A manifest written before names were escaped, with its paths and targets in today's spelling. */
function respelled(m: SnapshotManifest): SnapshotManifest {
  if (m.names === 'escaped') return m;
  const entry = (e: SnapshotEntry): SnapshotEntry => (e.type === 'symlink' ? { type: 'symlink', target: fromLegacyName(e.target) } : e);
  return { ...m, names: 'escaped', files: Object.fromEntries(Object.entries(m.files).map(([p, e]) => [fromLegacyName(p), entry(e)])) };
}

/** Every manifest in the store, oldest first (unreadable ones are left out). */
export function loadManifests(store: string): SnapshotManifest[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(store, 'manifests'));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && isSnapshotId(n.slice(0, -5)))
    .flatMap((n) => {
      try {
        return [respelled(JSON.parse(fs.readFileSync(path.join(store, 'manifests', n), 'utf8')) as SnapshotManifest)];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Summaries of every snapshot, oldest first. */
export const loadSummaries = (store: string): SnapshotSummary[] => loadManifests(store).map(summarize);

/** The manifest of `id`, or a SnapshotError naming what exists. */
export function loadManifest(store: string, id: string): SnapshotManifest {
  try {
    if (isSnapshotId(id)) return respelled(JSON.parse(fs.readFileSync(manifestPath(store, id), 'utf8')) as SnapshotManifest);
  } catch {
    // reported below
  }
  throw new SnapshotError(`no snapshot ${JSON.stringify(id)} in ${store}`, 'see `shim snapshot list` for the ids (a run id from `shim log --json` works for restore)', 2);
}

/** The newest snapshot of `root` among `manifests`, whose hashes a new snapshot may reuse. */
export function latestOf(manifests: readonly SnapshotManifest[], root: string): SnapshotManifest | undefined {
  return manifests.filter((m) => m.root === root).at(-1);
}

/** Deletes manifests, then every blob no remaining manifest references; returns the blob bytes freed. */
export function deleteSnapshots(store: string, ids: readonly string[]): number {
  for (const id of ids) fs.rmSync(manifestPath(store, id), { force: true });
  const keep = referencedHashes(loadManifests(store));
  let freed = 0;
  const blobs = path.join(store, 'blobs');
  for (const dir of fs.existsSync(blobs) ? fs.readdirSync(blobs) : []) {
    for (const hash of fs.readdirSync(path.join(blobs, dir))) {
      if (keep.has(hash)) continue;
      const file = path.join(blobs, dir, hash);
      freed += fs.statSync(file).size;
      fs.rmSync(file, { force: true });
    }
  }
  fs.rmSync(path.join(store, 'tmp'), { recursive: true, force: true });
  return freed;
}
