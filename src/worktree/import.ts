// Brings the objects of a session's copy into shim's control directory, treating the copy as hostile: its
// directories are opened without following links (never through its own alternates), every file is first
// copied into shim's own directory, and nothing is kept on the copy's word. A loose object is kept only
// when its content hashes to its name; a pack's .idx (which maps names to offsets, and could map a name to
// other content) is never taken: git index-pack rebuilds it from the pack, hashing every object, in the
// control directory with the clean environment.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { controlGit } from './git.js';
import type { WorktreePaths } from './plan.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

const HEX = /^[0-9a-f]+$/;
/** The control directory's list of the copy's packs imported already (by their names in the copy). */
const IMPORTED_PACKS = 'shim-imported-packs';

/** Copies the file at `src` to `dst` if `src` is a regular file (not a link, however it changes);
 *  returns whether it did. */
function copyRegular(src: string, dst: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return false;
    const out = fs.openSync(dst, 'wx', 0o444);
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) fs.writeSync(out, buf, 0, n);
    } finally {
      fs.closeSync(out);
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function tmpName(dir: string, ext = ''): string {
  return path.join(dir, `.shim-import-${randomBytes(6).toString('hex')}${ext}`);
}

/** Runs `body` with a path that is the directory `names` below `base`, each name opened without following
 *  a link (the agent may have swapped one for a link to a host directory, before or during the walk):
 *  `/proc/self/fd/N` of the last one. Nothing is run when one is not a real directory. */
async function inDirNoFollow(base: string, names: readonly string[], body: (dir: string) => Promise<void>): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(base, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    for (const name of names) {
      const next = fs.openSync(`/proc/self/fd/${fd}/${name}`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
      fs.closeSync(fd);
      fd = next;
    }
  } catch {
    fs.closeSync(fd);
    return;
  }
  try {
    await body(`/proc/self/fd/${fd}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether the loose object file `file` (shim's own copy) is well formed ("type size\0" and exactly that
 *  many bytes) and hashes to `oid`. */
export async function looseObjectMatches(file: string, oid: string): Promise<boolean> {
  const hash = createHash(oid.length === 64 ? 'sha256' : 'sha1');
  let head = Buffer.alloc(0);
  let expected = -1;
  let body = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      if (expected >= 0) body += chunk.length;
      else {
        head = Buffer.concat([head, chunk]);
        const nul = head.indexOf(0);
        if (nul < 0 && head.length > 64) return done(new Error('no object header'));
        if (nul >= 0) {
          const m = /^(?:blob|tree|commit|tag) (0|[1-9][0-9]{0,15})$/.exec(head.subarray(0, nul).toString('latin1'));
          if (!m) return done(new Error('bad object header'));
          expected = Number(m[1]);
          body = head.length - nul - 1;
        }
      }
      done(body > expected && expected >= 0 ? new Error('longer than its header says') : null);
    },
  });
  try {
    await pipeline(fs.createReadStream(file), zlib.createInflate(), sink);
  } catch {
    return false;
  }
  return expected === body && hash.digest('hex') === oid;
}

/** Imports the copy's loose objects and packs that shim's control directory does not have yet. */
export async function importObjects(paths: WorktreePaths, env: HostEnv): Promise<void> {
  await inDirNoFollow(paths.tree, ['.git', 'objects'], (from) => importFrom(from, paths, env));
}

async function importFrom(from: string, paths: WorktreePaths, env: HostEnv): Promise<void> {
  const to = path.join(paths.control, 'objects');
  for (const d of listDir(from)) {
    if (!d.isDirectory() || d.name.length !== 2 || !HEX.test(d.name)) continue;
    await inDirNoFollow(from, [d.name], async (dir) => {
      for (const f of listDir(dir)) {
        if (!f.isFile() || !HEX.test(f.name) || (f.name.length !== 38 && f.name.length !== 62)) continue;
        const dst = path.join(to, d.name, f.name);
        if (fs.existsSync(dst)) continue;
        fs.mkdirSync(path.join(to, d.name), { recursive: true });
        const tmp = tmpName(path.join(to, d.name));
        try {
          if (copyRegular(path.join(dir, f.name), tmp) && (await looseObjectMatches(tmp, d.name + f.name))) fs.renameSync(tmp, dst);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
      }
    });
  }
  await inDirNoFollow(from, ['pack'], (pack) => importPacks(pack, paths, env));
}

async function importPacks(pack: string, paths: WorktreePaths, env: HostEnv): Promise<void> {
  const to = path.join(paths.control, 'objects', 'pack');
  const list = path.join(paths.control, IMPORTED_PACKS);
  const done = new Set(fs.existsSync(list) ? fs.readFileSync(list, 'utf8').split('\n') : []);
  for (const f of listDir(pack)) {
    const m = /^(pack-[0-9a-f]{40,64})\.pack$/.exec(f.name);
    if (!m || !f.isFile() || done.has(m[1]!)) continue;
    fs.mkdirSync(to, { recursive: true });
    const tmp = tmpName(to);
    try {
      if (!copyRegular(path.join(pack, f.name), `${tmp}.pack`)) continue;
      // the copy's .idx is left where it is: git builds the index from the pack, hashing each object
      const indexed = await controlGit(paths, env, ['index-pack', '--no-rev-index', `${tmp}.pack`]);
      const sum = indexed.stdout.toString('utf8').trim();
      if (indexed.status !== 0 || !/^[0-9a-f]{40,64}$/.test(sum)) continue; // its objects are missing, never wrong
      fs.renameSync(`${tmp}.pack`, path.join(to, `pack-${sum}.pack`));
      // the index last: git only uses a pack once its index is there
      fs.renameSync(`${tmp}.idx`, path.join(to, `pack-${sum}.idx`));
      fs.appendFileSync(list, `${m[1]}\n`, { mode: 0o600 });
    } finally {
      fs.rmSync(`${tmp}.pack`, { force: true });
      fs.rmSync(`${tmp}.idx`, { force: true });
    }
  }
}
