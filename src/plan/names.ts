// Names of the containers and volumes shim creates, derived from tool names.
import { createHash } from 'node:crypto';

// Container and volume names allow [A-Za-z0-9_.-]; tool names may also hold "+", which is replaced and
// disambiguated with a short hash so "a+b" and "a_b" never share a volume.
function safeName(tool: string): string {
  if (!tool.includes('+')) return tool;
  return `${tool.replaceAll('+', '_')}-${createHash('sha256').update(tool).digest('hex').slice(0, 6)}`;
}

/** Prefix of every tool install volume (prune finds them by it). */
export const TOOL_VOLUME_PREFIX = 'shim-tool-';

/** On every container and volume shim creates: the setup (user and state directory) it belongs to.
 *  `shim ps`, `stop` and `prune` only ever see their own setup's. */
export const LABEL_SETUP = 'io.shim.setup';

/** A setup's id: the invoking user and the real path of its state directory (which holds the lock file,
 *  the warm records and the sessions). Two config or state directories of one user, or two users of one
 *  docker daemon, are two setups and never reach each other's containers or volumes. */
export function buildSetupId(uid: number, realStateDir: string): string {
  return createHash('sha256').update(`${uid}\0${realStateDir}`).digest('hex').slice(0, 12);
}

/** The volume holding a tool's mise install tree (read-write at install, read-only at run): one per
 *  setup (whose lock file records what the volume holds) and spec, so two setups sharing a runtime (two
 *  users, two config dirs) and a project's tool shadowing yours never install over each other. The lock
 *  file records the name with the install, and runs mount the recorded one. */
export function toolVolume(tool: string, spec: string, setup: string): string {
  const owner = createHash('sha256').update(`${setup}\0${spec}`).digest('hex').slice(0, 12);
  return `${TOOL_VOLUME_PREFIX}${safeName(tool)}-${owner}`;
}

/** A named volume a tool's config declares (`"src": "state"`): owned by that tool of one setup alone. */
export function namedVolume(tool: string, name: string, setup: string): string {
  return `${legacyNamedVolume(tool, name)}-${setup}`;
}

/** The name older shims gave a named volume: one per tool name, shared by every setup on the runtime.
 *  A setup's first use copies it into its own (install/named-volumes.ts). */
export function legacyNamedVolume(tool: string, name: string): string {
  return `shim-vol-${safeName(tool)}-${name}`;
}

/** Prefix of every download cache volume. */
export const CACHE_VOLUME_PREFIX = 'shim-cache';

/** The download cache volume used at install time: the tool's own in its setup (a cache shared between
 *  tools, or between setups or users, would let one install plant packages another install picks up). */
export function cacheVolume(tool: string, setup: string): string {
  return `${CACHE_VOLUME_PREFIX}-${safeName(tool)}-${setup}`;
}

/** A unique container name for one run or install of a tool, or a warm container (named after the run
 *  that started it). */
export function containerName(kind: 'run' | 'install' | 'warm', tool: string, runId: string): string {
  return kind === 'run' ? `shim-${safeName(tool)}-${runId}` : `shim-${kind}-${safeName(tool)}-${runId}`;
}

/** Labels put on every container shim starts. */
export const LABEL_TOOL = 'io.shim.tool';
export const LABEL_RUN = 'io.shim.run';
/** On a session's container: the session's name. */
export const LABEL_SESSION = 'io.shim.session';
