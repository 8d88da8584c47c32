// Holds a run's lifeline (plan/lifeline.ts): creates its private directory and listens on its socket
// for as long as shim runs the container. Holding is all it does: the kernel closes the socket when shim
// dies, which is what the container's PID 1 waits for. A warm container's directory is shared by its
// keeper's sockets and outlives every call (runtime/keeper-call.ts).
import fs from 'node:fs';
import net from 'node:net';
import type { LifelinePlan } from '../plan/lifeline.js';
import { RuntimeError } from '../errors.js';

/** Connections held at once: PID 1's; more come from the tool. */
const MAX_HELD = 32;

export interface HeldLifeline {
  /** Lets go of the lifeline and removes its directory (after the container ended). */
  release(): void;
}

const failure = (dir: string, e: unknown) =>
  new RuntimeError(`cannot set up the container's lifeline in ${dir}: ${(e as Error).message}`, 'check that its parent exists and is writable (XDG_RUNTIME_DIR or /tmp)');

/** Makes sure a warm container's shared lifeline directory exists and is the user's alone (in /tmp
 *  another user could have made it first); returns its identity (device:inode), which tells whether
 *  a running container has this very directory mounted. */
export function ensureSharedLifelineDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw failure(dir, e);
  }
  const st = fs.lstatSync(dir);
  if (!isPrivateDirectory(st)) throw failure(dir, new Error('it exists but is not a directory of yours with mode 0700'));
  return `${st.dev}:${st.ino}`;
}

/** A directory (not a link to one) of the user's alone: theirs, and no one else may enter it. In /tmp
 *  another user could have made a directory of the expected name first. */
export function isPrivateDirectory(st: fs.Stats): boolean {
  return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
}

/** The identity of a shared lifeline directory (device:inode), or undefined when it is gone. */
export function lifelineDirId(dir: string): string | undefined {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the directory (0700, must not exist) and listens on the
 *  socket; resolves once it listens, so the container's PID 1 always finds it while shim lives. */
export async function holdLifeline(plan: LifelinePlan, onConnected?: () => void): Promise<HeldLifeline> {
  const fail = (e: unknown) => failure(plan.dir, e);
  try {
    fs.mkdirSync(plan.dir, { mode: 0o700 });
  } catch (e) {
    throw fail(e);
  }
  const held = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    // the container's tool can connect too (the socket is mounted): it may not hold shim's descriptors
    if (held.size >= MAX_HELD) return void socket.destroy();
    // the container's PID 1 connected: its processes run
    onConnected?.();
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
    socket.unref();
  });
  const release = () => {
    for (const s of held) s.destroy();
    server.close();
    // unlink and rmdir first: fs.rmSync loads Node's rimraf, which costs a tool link a few ms
    try {
      fs.unlinkSync(plan.socketPath);
    } catch {
      // closed with the server already, or never made
    }
    try {
      fs.rmdirSync(plan.dir);
    } catch {
      fs.rmSync(plan.dir, { recursive: true, force: true });
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(plan.socketPath, () => resolve());
    });
  } catch (e) {
    release();
    throw fail(e);
  }
  server.on('error', () => {});
  server.unref();
  return { release };
}
