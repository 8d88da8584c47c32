// Holds a run's lifeline (plan/lifeline.ts): creates its private directory and listens on its socket
// for as long as shim runs the container. Holding is all it does: the kernel closes the socket when shim
// dies, which is what the container's watcher waits for.
import fs from 'node:fs';
import net from 'node:net';
import type { LifelinePlan } from '../plan/lifeline.js';
import { RuntimeError } from '../errors.js';

export interface HeldLifeline {
  /** Lets go of the lifeline and removes its directory (after the container ended). */
  release(): void;
}

/** Creates the directory (0700, must not exist) and listens on the socket; resolves once it listens,
 *  so the container's watcher always finds it while shim lives. */
export async function holdLifeline(plan: LifelinePlan): Promise<HeldLifeline> {
  const fail = (e: unknown) =>
    new RuntimeError(`cannot set up the container's lifeline in ${plan.dir}: ${(e as Error).message}`, 'check that its parent exists and is writable (XDG_RUNTIME_DIR or /tmp)');
  try {
    fs.mkdirSync(plan.dir, { mode: 0o700 });
  } catch (e) {
    throw fail(e);
  }
  const held = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
    socket.unref();
  });
  const release = () => {
    for (const s of held) s.destroy();
    server.close();
    fs.rmSync(plan.dir, { recursive: true, force: true });
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
