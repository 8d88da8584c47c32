// The session's socket, as its supervisor opens it: in a directory of the user's own (0700), replacing a
// socket a dead supervisor left, refusing one that still answers, and readable by the user only.
import fs from 'node:fs';
import type net from 'node:net';
import type { SessionPaths } from '../plan/session.js';
import { ensureSharedLifelineDir } from '../runtime/lifeline.js';
import { connectSession } from './client.js';

/** Listens on the session's socket. A socket left by a supervisor that died (nothing answers there) is
 *  removed first; one that answers belongs to a running session of this name. */
export async function listen(paths: SessionPaths, server: net.Server): Promise<void> {
  // in /tmp another user could have made the directory first: it must be ours, 0700
  try {
    ensureSharedLifelineDir(paths.socketDir);
  } catch {
    throw new Error(`the session socket directory ${paths.socketDir} is not a directory of yours with mode 0700`);
  }
  if (fs.existsSync(paths.socket)) {
    const live = await connectSession(paths.socket);
    if (live) {
      live.destroy();
      throw new Error(`a session of this name is already running (its socket ${paths.socket} answers)`);
    }
    fs.unlinkSync(paths.socket);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => resolve());
  });
  fs.chmodSync(paths.socket, 0o600);
}

