// Stopping a lost session (pure): its supervisor died without recording an end, and its container may
// still run (a lifeline that could not act). `shim stop NAME` then stops the container through the
// runtime: the one this setup's record names, and only if it carries the session's label.
import { LABEL_SESSION, LABEL_SETUP } from './names.js';

/** Lists the containers of this setup, running or not, labelled as the session's. */
export function sessionContainersArgv(name: string, setup: string): string[] {
  return ['ps', '--all', '--filter', `label=${LABEL_SESSION}=${name}`, '--filter', `label=${LABEL_SETUP}=${setup}`, '--format', '{{.Names}}'];
}

/** Of those listed, the one the session's record names (another setup's session of the same name has
 *  a container of another name: its run id differs). */
export function lostSessionContainer(listed: string, recorded: string): string | undefined {
  return listed
    .split('\n')
    .map((l) => l.trim().replace(/^\//, ''))
    .find((n) => n === recorded);
}

/** Removes it at once: SIGKILL, whatever its PID 1 does with SIGTERM (podman waits 10 s without --time 0). */
export function lostSessionRemoveArgv(runtime: 'podman' | 'docker', container: string): string[] {
  return ['rm', '--force', ...(runtime === 'podman' ? ['--time', '0'] : []), container];
}
