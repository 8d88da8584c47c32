// The lifeline (pure): every run and install container is tied to the shim that started it. shim holds a
// Unix socket in a private directory, bind-mounted into the container, where containerfiles/lifeline.sh
// keeps a watcher connected; when shim is gone, however it went (SIGKILL of its whole process group
// included, watchdog and all), the connection ends and the watcher kills the container's processes, so
// the container ends within moments. The runtime keeps a container running whatever happens to its
// client: only the container itself can notice.
import path from 'node:path';
import type { HostEnv } from '../host.js';
import { mountSpec } from './quote.js';
import { socketBase } from './socket-base.js';

/** The in-container helper that starts the watcher, then becomes the command. */
export const LIFELINE_HELPER = '/usr/local/libexec/shim/lifeline';
/** Where the lifeline's directory is mounted in the container. */
export const LIFELINE_MOUNT_DST = '/run/shim-lifeline';
const SOCKET = 'lifeline.sock';

export interface LifelinePlan {
  /** Host directory for the socket, created 0700 by the executor before the container starts. */
  dir: string;
  socketPath: string;
}

/** Returns the run's lifeline: a private directory of its own. */
export function planLifeline(host: Pick<HostEnv, 'env' | 'uid'>, runId: string): LifelinePlan {
  const dir = path.join(socketBase(host.env), `shim-lifeline-${host.uid}-${runId}`);
  return { dir, socketPath: path.join(dir, SOCKET) };
}

/** Returns a warm container's lifeline directory: one per container key, mounted read-only when the
 *  container starts; in it, the keeper's birth socket and one socket per call (plan/warm.ts). */
export function planWarmLifelineDir(host: Pick<HostEnv, 'env' | 'uid'>, key: string): string {
  return path.join(socketBase(host.env), `shim-warm-${host.uid}-${key}`);
}

/** Returns the read-only mount of the lifeline's directory. */
export function buildLifelineArgs(lifeline: Pick<LifelinePlan, 'dir'>): string[] {
  return ['--mount', mountSpec(['type=bind', `src=${lifeline.dir}`, `dst=${LIFELINE_MOUNT_DST}`, 'ro'])];
}

/** Returns the command prefix that starts the watcher before the container's command. */
export function lifelineCommand(): string[] {
  return [LIFELINE_HELPER, `${LIFELINE_MOUNT_DST}/${SOCKET}`];
}
