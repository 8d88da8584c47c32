// Race-safe access below a snapshot's root. A tool may be swapping a directory of the project with a
// symlink to a host path while shim reads or writes the tree (renameat2 RENAME_EXCHANGE), so no path
// below the root is ever resolved by name from the root: each directory is opened one component at a
// time with O_NOFOLLOW, relative to its parent's descriptor, and checked with fstat (a directory, on
// the root's device). Node has no openat(), so "relative to a descriptor" is the path
// /proc/self/fd/<fd>/<one name>: the kernel resolves the descriptor's directory itself, whatever was
// renamed since, and the one name after it is the last component (O_NOFOLLOW, unlink, rename, rmdir,
// readlink and lstat never follow a last component that is a link).
import fs from 'node:fs';
import { SnapshotError } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
/** Linux's O_PATH (the same on x86_64 and arm64): a descriptor that names a file without opening it. */
const O_PATH = 0o10000000;

const SLASH = 0x2f;

/** Splits raw path bytes into its components. */
export function components(rel: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= rel.length; i++) {
    if (i === rel.length || rel[i] === SLASH) {
      if (i > start) out.push(rel.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** What a write by name meets when a tool swapped or removed that name after shim looked at it. */
const RACED = new Set(['EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST', 'ENOENT', 'ELOOP']);

/** A directory tree opened at its root. Keeps the descriptors of the directories it last walked
 *  (paths come sorted, so neighbours share them); close() releases them. */
export class RootedTree {
  readonly root: string;
  private readonly rootFd: number;
  private readonly dev: number;
  private open: { name: string; fd: number }[] = [];
  /** "/proc/self/fd/N/" of each descriptor number seen (numbers are reused, the text stays right). */
  private readonly prefixes = new Map<number, Buffer>();

  constructor(root: string) {
    this.root = root;
    this.rootFd = fs.openSync(root, O_RDONLY | O_DIRECTORY);
    this.dev = fs.fstatSync(this.rootFd).dev;
  }

  /** The path that names `name` inside the directory open as `dirFd` (without following `name`). */
  at(dirFd: number, name?: Buffer): Buffer {
    let prefix = this.prefixes.get(dirFd);
    if (!prefix) this.prefixes.set(dirFd, (prefix = Buffer.from(`/proc/self/fd/${dirFd}/`)));
    return name ? Buffer.concat([prefix, name]) : prefix.subarray(0, -1);
  }

  /** The descriptor of the directory `dir` (components below the root), or undefined when a component
   *  is missing, or is no longer a directory (a symlink now: what it pointed to is not ours).
   *  `create`: missing directories are made, and a non-directory in the way is an error. */
  dir(dir: readonly Buffer[], create = false): number | undefined {
    let keep = 0;
    while (keep < this.open.length && keep < dir.length && this.open[keep]!.name === dir[keep]!.toString('latin1')) keep++;
    for (const o of this.open.splice(keep)) fs.closeSync(o.fd);
    for (let i = keep; i < dir.length; i++) {
      const parent = i ? this.open[i - 1]!.fd : this.rootFd;
      const fd = this.openDir(parent, dir[i]!, create, dir.slice(0, i + 1));
      if (fd === undefined) return undefined;
      this.open.push({ name: dir[i]!.toString('latin1'), fd });
    }
    return dir.length ? this.open[dir.length - 1]!.fd : this.rootFd;
  }

  /** The full path of components below the root, for messages. */
  private shown(parts: readonly Buffer[]): string {
    return `${this.root}/${Buffer.concat(parts.flatMap((c, i) => (i ? [Buffer.from('/'), c] : [c]))).toString('utf8')}`;
  }

  private openDir(parent: number, name: Buffer, create: boolean, shown: readonly Buffer[]): number | undefined {
    const where = () => this.shown(shown);
    let fd: number;
    try {
      fd = fs.openSync(this.at(parent, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (e) {
      if (code(e) === 'ENOENT' && create) {
        try {
          fs.mkdirSync(this.at(parent, name));
        } catch (made) {
          if (code(made) !== 'EEXIST') throw made;
        }
        return this.openDir(parent, name, false, shown) ?? this.refuse(where(), 'is not a directory (it changed as it was made)');
      }
      if (code(e) === 'ENOENT') return undefined;
      if (code(e) === 'ELOOP' || code(e) === 'ENOTDIR') return create ? this.refuse(where(), code(e) === 'ELOOP' ? 'is a symlink' : 'is not a directory') : undefined;
      throw e;
    }
    const st = fs.fstatSync(fd);
    if (!st.isDirectory() || st.dev !== this.dev) {
      fs.closeSync(fd);
      // a mount below the directory is not part of it: left out of a snapshot, never written by a restore
      return create ? this.refuse(where(), 'is on another file system (a mount below the directory)') : undefined;
    }
    return fd;
  }

  private refuse(where: string, what: string): never {
    throw new SnapshotError(`cannot restore below ${where}: it ${what} now and is not part of the snapshot (an ignored path, or a tool changing the directory meanwhile?)`, 'stop what writes there (or move it away), then run the restore again');
  }

  /** lstat of `name` in `dir`, or undefined when it (or a directory on the way) is not there. */
  lstat(dir: readonly Buffer[], name: Buffer): fs.Stats | undefined {
    const fd = this.dir(dir);
    return fd === undefined ? undefined : fs.lstatSync(this.at(fd, name), { throwIfNoEntry: false });
  }

  /** Opens the regular file `name` in `dir` for reading, never through a link; undefined when it is not
   *  a regular file of this tree (any more). */
  openFile(dir: readonly Buffer[], name: Buffer): { fd: number; stat: fs.Stats } | undefined {
    const d = this.dir(dir);
    if (d === undefined) return undefined;
    let fd: number;
    try {
      // O_NONBLOCK: a fifo swapped in does not hang the open
      fd = fs.openSync(this.at(d, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
      if (['ENOENT', 'ELOOP', 'ENXIO', 'EACCES'].includes(code(e) ?? '')) return undefined;
      throw e;
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.dev !== this.dev) {
      fs.closeSync(fd);
      return undefined;
    }
    return { fd, stat };
  }

  readlink(dir: readonly Buffer[], name: Buffer): Buffer | undefined {
    const d = this.dir(dir);
    if (d === undefined) return undefined;
    try {
      return fs.readlinkSync(this.at(d, name), { encoding: 'buffer' });
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'EINVAL') return undefined;
      throw e;
    }
  }

  /** The entries of directory `dir` (raw names with their types). */
  readdir(dir: readonly Buffer[]): fs.Dirent<Buffer>[] {
    const d = this.dir(dir);
    return d === undefined ? [] : fs.readdirSync(this.at(d), { withFileTypes: true, encoding: 'buffer' });
  }

  /** Creates `name` in `dir` (made as needed) exclusively, mode 0600; returns its descriptor. */
  createFile(dir: readonly Buffer[], name: Buffer): number {
    const d = this.dir(dir, true)!;
    return fs.openSync(this.at(d, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  }

  symlink(dir: readonly Buffer[], name: Buffer, target: Buffer): void {
    fs.symlinkSync(target, this.at(this.dir(dir, true)!, name));
  }

  /** Renames `from` to `to`, both in `dir` (neither is followed). */
  rename(dir: readonly Buffer[], from: Buffer, to: Buffer): void {
    const d = this.dir(dir, true)!;
    try {
      fs.renameSync(this.at(d, from), this.at(d, to));
    } catch (e) {
      // a directory (or a non-directory) was put in its place after the caller looked
      if (RACED.has(code(e) ?? '')) this.refuse(this.shown([...dir, to]), 'changed type as it was written');
      throw e;
    }
  }

  /** Removes `name` in `dir` unless it is a directory; nothing when it (or its directory) is gone. */
  unlink(dir: readonly Buffer[], name: Buffer): void {
    const d = this.dir(dir);
    if (d === undefined) return;
    try {
      fs.unlinkSync(this.at(d, name));
    } catch (e) {
      if (code(e) !== 'ENOENT' && code(e) !== 'EISDIR' && code(e) !== 'EPERM') throw e;
    }
  }

  /** Removes the empty directory `name` in `dir`; false when it is not empty or not a directory. */
  rmdir(dir: readonly Buffer[], name: Buffer): boolean {
    const d = this.dir(dir);
    if (d === undefined) return false;
    try {
      fs.rmdirSync(this.at(d, name));
    } catch {
      return false;
    }
    // a descriptor kept for it (or below it) names a removed directory now
    this.forget();
    return true;
  }

  /** Removes `name` in `dir` and, when it is a directory, everything below it, never following a link. */
  removeTree(dir: readonly Buffer[], name: Buffer): void {
    const st = this.lstat(dir, name);
    if (!st) return;
    if (!st.isDirectory()) return this.unlink(dir, name);
    const below = [...dir, name];
    for (const e of this.readdir(below)) this.removeTree(below, e.name);
    if (!this.rmdir(dir, name) && this.lstat(dir, name)) this.refuse(this.shown([...dir, name]), 'could not be emptied');
  }

  /** Sets the mode of the regular file `name` in `dir` (through an O_PATH descriptor: never a link's
   *  target, and no read permission needed). */
  chmod(dir: readonly Buffer[], name: Buffer, mode: number): void {
    const d = this.dir(dir, true)!;
    let fd: number;
    try {
      fd = fs.openSync(this.at(d, name), O_PATH | O_NOFOLLOW);
    } catch (e) {
      if (RACED.has(code(e) ?? '')) this.refuse(this.shown([...dir, name]), 'went away as its mode was set');
      throw e;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) return;
      fs.chmodSync(this.at(fd), mode);
    } finally {
      fs.closeSync(fd);
    }
  }

  private forget(): void {
    for (const o of this.open.splice(0)) fs.closeSync(o.fd);
  }

  close(): void {
    this.forget();
    fs.closeSync(this.rootFd);
  }
}
