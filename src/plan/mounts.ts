// Mount sources and the --mount arguments for a tool's configured mounts.
import type { MountConfig } from '../config/schema.js';
import type { RuntimeInfo } from '../host.js';
import { ConfigError } from '../errors.js';
import { mountSpec } from './quote.js';

/** A configured mount whose source was checked on the host. */
export interface MountFact {
  config: MountConfig;
  /** Path as written after expanding "~" and "." (for messages). */
  expanded: string;
  /** Real path on the host (symlinks resolved); this is what gets mounted. */
  real: string;
  /** Where it appears in the container (its `dst`, else its own host path). */
  dst: string;
  /** Every .git below this writable mount (its own first, then nested repositories' and submodules'),
   *  each mounted read-only right after it. */
  gitOverlays?: { src: string; dst: string }[];
  /** The runtime volume of a named-volume mount (then `real` is empty). */
  volume?: string;
  /** podman only: the source is the lower layer of an overlay whose writable layer the container throws
   *  away (a worktree session's shared node_modules and build caches). */
  overlay?: boolean;
}

function parseOptions(opts: string | undefined): Set<string> {
  return new Set((opts ?? '').split(',').filter(Boolean));
}

/** Returns the --mount arguments for the configured mounts, in order, each followed by its read-only
 *  .git overlays when it has any. */
export function buildMountArgs(mounts: readonly MountFact[], runtime: RuntimeInfo, toolName: string): string[] {
  const args: string[] = [];
  mounts.forEach((m, i) => {
    const opts = parseOptions(m.config.opts);
    if (m.overlay && runtime.name === 'podman' && !/[:,\n]/.test(m.real) && !/[:,\n]/.test(m.dst)) {
      // podman 4 has no --mount type=overlay: its overlay volume exists only as -v SRC:DST:O, so a path
      // with ":" or "," is never put there (it is mounted read-only below instead)
      // https://docs.podman.io/en/v4.3/markdown/podman-run.1.html#volume-v-source-volume-host-dir-container-dir-options
      args.push('-v', `${m.real}:${m.dst}:O`);
      return;
    }
    if (m.overlay) opts.add('ro');
    const fields = m.volume ? ['type=volume', `src=${m.volume}`, `dst=${m.dst}`] : ['type=bind', `src=${m.real}`, `dst=${m.dst}`];
    if (opts.has('ro')) fields.push('ro');
    for (const [opt, label] of [['z', 'shared'], ['Z', 'private']] as const) {
      if (!opts.has(opt)) continue;
      if (runtime.name !== 'podman') {
        throw new ConfigError(`${toolName}.mounts[${i}].opts: "${opt}" (SELinux relabel) is only supported with podman`, 'remove it, or use podman');
      }
      fields.push(`relabel=${label}`);
    }
    args.push('--mount', mountSpec(fields));
    for (const g of m.gitOverlays ?? []) args.push('--mount', mountSpec(['type=bind', `src=${g.src}`, `dst=${g.dst}`, 'ro']));
  });
  return args;
}
