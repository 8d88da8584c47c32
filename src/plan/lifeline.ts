// The lifeline (pure): every run and install container is tied to the shim that started it. shim holds a
// Unix socket in a private directory, bind-mounted into the container, where the container's PID 1
// (containerfiles/lifeline.pl, in place of the runtime's --init) stays connected; when shim is gone,
// however it went (SIGKILL of its whole process group included, watchdog and all), the connection ends
// and PID 1 kills the container's processes and exits, so the container ends within moments. The
// runtime keeps a container running whatever happens to its client: only the container itself can
// notice. The tool cannot disarm it: it cannot signal, stop or ptrace PID 1 (see the script).
import path from 'node:path';
import type { HostEnv } from '../host.js';
import { mountSpec } from './quote.js';
import { socketBase } from './socket-base.js';

/** The in-container PID 1 that holds the lifeline and runs the command (containerfiles/lifeline.pl). */
export const LIFELINE_HELPER = '/usr/local/libexec/shim/lifeline';
/** An execute-only copy of the image's perl (Containerfile) that runs PID 1 (the lifeline, a warm
 *  container's keeper): a process started from a file it cannot read is not dumpable, so the tool, the
 *  same user, can neither ptrace it nor open its /proc/1/mem (and rewrite it, which seccomp's ptrace ban
 *  does not stop) nor read its environment. */
export const KEEPER_PERL = '/usr/local/libexec/shim/keeper-perl';
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

/** Returns the command prefix that makes the lifeline the container's PID 1, which runs the command.
 *  The container has no `--init` (container.ts): this is its init. */
export function lifelineCommand(): string[] {
  return [KEEPER_PERL, LIFELINE_HELPER, `${LIFELINE_MOUNT_DST}/${SOCKET}`];
}
