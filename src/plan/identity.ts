// Which user the tool runs as, so files it writes to mounts belong to the invoking user on the host.
import type { RuntimeInfo } from '../host.js';

/** Rootless podman maps the user with keep-id; rootful podman and docker run as --user UID:GID. */
export function buildIdentityArgs(runtime: RuntimeInfo, uid: number, gid: number): string[] {
  return runtime.rootless ? ['--userns=keep-id'] : ['--user', `${uid}:${gid}`];
}
