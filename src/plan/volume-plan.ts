// Runtime commands for shim's volumes (pure).
import { CACHE_VOLUME_PREFIX, LABEL_SETUP, LABEL_TOOL } from './names.js';

/** Lists every volume name, or those of one setup (by its label). */
export function volumeListArgv(setup?: string): string[] {
  return ['volume', 'ls', ...(setup ? ['--filter', `label=${LABEL_SETUP}=${setup}`] : []), '--format', '{{.Name}}'];
}

/** Prints the volume's full name: podman also finds a volume by a unique prefix of its name, so only
 *  an answer equal to the name asked for means that volume exists. */
export function volumeNameArgv(volume: string): string[] {
  return ['volume', 'inspect', '--format', '{{.Name}}', volume];
}

/** Prints a volume's directory on the host. */
export function volumeMountpointArgv(volume: string): string[] {
  return ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume];
}

export function volumeRemoveArgv(volume: string): string[] {
  return ['volume', 'rm', volume];
}

/** A download cache volume of this setup, or one an older shim made for every setup (`shim-cache`,
 *  `shim-cache-<tool>`: no setup id at the end). Either is only a cache: prune may remove it. */
function isPrunableCache(volume: string, setup: string): boolean {
  if (volume === CACHE_VOLUME_PREFIX) return true;
  if (!volume.startsWith(`${CACHE_VOLUME_PREFIX}-`)) return false;
  return volume.endsWith(`-${setup}`) || !/-[0-9a-f]{12}$/.test(volume);
}

export interface PruneInputs {
  /** Every volume on the runtime. */
  names: readonly string[];
  /** The tool volumes that are this setup's: labelled with its id, or recorded in its lock file. */
  ownTools: readonly string[];
  setup: string;
}

/** Which of shim's volumes prune removes: this setup's download caches (and the unscoped ones of older
 *  shims) always, this setup's tool installs with --all. Named volumes (a tool's state) are never
 *  pruned: they are data, removed only by the user. Another setup's volumes are never touched. */
export function volumesToPrune(input: PruneInputs, all: boolean): string[] {
  const own = new Set(input.ownTools);
  return input.names.filter((v) => isPrunableCache(v, input.setup) || (all && own.has(v)));
}

/** Creates a volume labelled with its setup (and tool), so `volume ls --filter` finds it. */
export function volumeCreateArgv(volume: string, labels?: { setup: string; tool: string }): string[] {
  return ['volume', 'create', ...(labels ? ['--label', `${LABEL_SETUP}=${labels.setup}`, '--label', `${LABEL_TOOL}=${labels.tool}`] : []), volume];
}

/** Docker creates a new volume owned by root; a tool running as the user could not write to it. This
 *  one-off container (only CAP_CHOWN, no network) hands the volume's root to the user. Podman chowns a
 *  new volume to the container's user by itself. */
export function volumeChownArgv(image: string, volume: string, uid: number, gid: number): string[] {
  return ['run', '--rm', '--pull=never', '--user', '0:0', '--cap-drop=all', '--cap-add=CHOWN', '--security-opt=no-new-privileges', '--network', 'none', '--mount', `type=volume,src=${volume},dst=/volume`, image, 'chown', `${uid}:${gid}`, '/volume'];
}

/** Copies an older shim's named volume (shared by every setup) into this setup's own, owners and modes
 *  kept, in a one-off container without network that sees only the two volumes (the old one read-only).
 *  `cp -a` copies symlinks as links and never follows them. */
export function volumeCopyArgv(image: string, from: string, to: string): string[] {
  return [
    'run', '--rm', '--pull=never', '--user', '0:0', '--cap-drop=all', '--cap-add=CHOWN', '--cap-add=DAC_OVERRIDE', '--cap-add=FOWNER',
    '--security-opt=no-new-privileges', '--network', 'none',
    '--mount', `type=volume,src=${from},dst=/from,ro`, '--mount', `type=volume,src=${to},dst=/to`,
    image, 'cp', '-a', '/from/.', '/to/',
  ];
}
