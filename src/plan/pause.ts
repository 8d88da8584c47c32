// `shim pause NAME` / `shim resume NAME`, the pure part: which warm container a name means, whether
// the host can freeze it, and the runtime's argv. (Sessions, issue 17, will be pausable the same way.)
import type { RuntimeInfo } from '../host.js';
import { LABEL_WARM } from './warm.js';

export type PauseAction = 'pause' | 'resume';

/** A container that can be paused, as `shim ps` lists it. */
export interface Pausable {
  name: string;
  tool: string;
}

/** The runtime command: `pause NAME` freezes every process of the container, `unpause NAME` thaws it. */
export function pauseArgv(action: PauseAction, container: string): string[] {
  return [action === 'pause' ? 'pause' : 'unpause', container];
}

/** Why this host cannot freeze containers, or undefined when it can. Rootless podman freezes through
 *  the cgroup v2 freezer it is delegated; on cgroup v1 the freezer is root's alone.
 *  https://github.com/containers/podman/blob/main/troubleshooting.md (rootless and cgroup v1) */
export function pauseObstacle(runtime: Pick<RuntimeInfo, 'name' | 'rootless'>, cgroupV2: boolean): string | undefined {
  if (runtime.rootless && !cgroupV2) return 'rootless podman cannot pause containers on this host: it uses cgroup v1, whose freezer only root may use';
  return undefined;
}

/** The containers `name` means: a container name, else every warm container of the tool of that name. */
export function resolvePausable(name: string, candidates: readonly Pausable[]): Pausable[] {
  const exact = candidates.filter((c) => c.name === name);
  return exact.length ? exact : candidates.filter((c) => c.tool === name);
}

/** The error text when `name` matches nothing: what could be paused instead. */
export function describePausable(name: string, candidates: readonly Pausable[], action: PauseAction = 'pause'): string {
  const can = action === 'pause' ? 'paused' : 'resumed';
  if (!candidates.length) return `nothing named ${JSON.stringify(name)} can be ${can}: no warm containers are ${action === 'pause' ? 'up' : 'paused'} (pause works on warm containers, see \`shim ps\`)`;
  return `no ${action === 'pause' ? '' : 'paused '}warm container or tool named ${JSON.stringify(name)}; these can be ${can}: ${candidates.map((c) => `${c.tool} (${c.name})`).join(', ')}`;
}

/** Lists the paused warm containers (`ps` alone shows running ones only): what resume can thaw. */
export function pausedWarmListArgv(): string[] {
  return ['ps', '--all', '--quiet', '--filter', `label=${LABEL_WARM}`, '--filter', 'status=paused'];
}
