// `shim pause NAME` / `shim resume NAME`, the pure part: which warm container a name means, whether
// the host can freeze it, and the runtime's argv. (A session is paused by its name: commands/pause.ts.)
import type { RuntimeInfo } from '../host.js';

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
export function resolvePausable<T extends Pausable>(name: string, candidates: readonly T[]): T[] {
  const exact = candidates.filter((c) => c.name === name);
  return exact.length ? exact : candidates.filter((c) => c.tool === name);
}

/** The error text when `name` matches nothing: what could be paused instead. */
export function describePausable(name: string, candidates: readonly Pausable[], action: PauseAction = 'pause'): string {
  const can = action === 'pause' ? 'paused' : 'resumed';
  if (!candidates.length) return `nothing named ${JSON.stringify(name)} can be ${can}: no warm containers are ${action === 'pause' ? 'up' : 'paused'} (pause works on warm containers, see \`shim ps\`)`;
  return `no ${action === 'pause' ? '' : 'paused '}warm container or tool named ${JSON.stringify(name)}; these can be ${can}: ${candidates.map((c) => `${c.tool} (${c.name})`).join(', ')}`;
}

/** What `action` can act on with `name`: pause takes running containers, resume paused ones; when the
 *  name only matches containers in another state, the error says which state they are in. */
export function choosePausable<T extends Pausable & { state: string }>(action: PauseAction, name: string, all: readonly T[]): { targets: T[]; error?: string } {
  const candidates = all.filter((c) => c.state === (action === 'pause' ? 'running' : 'paused'));
  const targets = resolvePausable(name, candidates);
  if (targets.length) return { targets };
  const elsewhere = resolvePausable(name, all);
  if (elsewhere.length) return { targets, error: `nothing to ${action}: ${elsewhere.map((c) => `${c.name} (${c.tool}) is ${c.state}`).join(', ')}` };
  return { targets, error: describePausable(name, candidates, action) };
}
