// Runtime commands for shim's volumes (pure).
import { TOOL_VOLUME_PREFIX } from './names.js';

/** Lists every volume name. */
export function volumeListArgv(): string[] {
  return ['volume', 'ls', '--format', '{{.Name}}'];
}

/** Prints a volume's directory on the host. */
export function volumeMountpointArgv(volume: string): string[] {
  return ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume];
}

export function volumeRemoveArgv(volume: string): string[] {
  return ['volume', 'rm', volume];
}

/** Which of shim's volumes prune removes: download caches always, tool installs with --all. Named
 *  volumes (a tool's state) are never pruned: they are data, removed only by the user. */
export function volumesToPrune(names: readonly string[], all: boolean): string[] {
  return names.filter((v) => v === 'shim-cache' || v.startsWith('shim-cache-') || (all && v.startsWith(TOOL_VOLUME_PREFIX)));
}

export function volumeCreateArgv(volume: string): string[] {
  return ['volume', 'create', volume];
}

/** Docker creates a new volume owned by root; a tool running as the user could not write to it. This
 *  one-off container (only CAP_CHOWN, no network) hands the volume's root to the user. Podman chowns a
 *  new volume to the container's user by itself. */
export function volumeChownArgv(image: string, volume: string, uid: number, gid: number): string[] {
  return ['run', '--rm', '--pull=never', '--user', '0:0', '--cap-drop=all', '--cap-add=CHOWN', '--security-opt=no-new-privileges', '--network', 'none', '--mount', `type=volume,src=${volume},dst=/volume`, image, 'chown', `${uid}:${gid}`, '/volume'];
}
