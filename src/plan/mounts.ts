// Mount sources and the --mount arguments for a tool's configured mounts.
import path from 'node:path';
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
  /** The project's .git (real path), mounted read-only at `dst` right after this writable mount. */
  gitOverlay?: { src: string; dst: string };
  /** The runtime volume of a named-volume mount (then `real` is empty). */
  volume?: string;
}

/** A bare name as a mount source ("claude-state") is a named volume owned by the tool; a relative
 *  directory is written with a slash ("./sub", "sub/dir"). */
export function isVolumeName(src: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(src);
}

/** Expands "." (the current directory), "~" and "~/…" (home); other relative paths are relative to cwd. */
export function expandMountSource(src: string, cwd: string, home: string): string {
  if (src === '~') return home;
  if (src.startsWith('~/')) return path.join(home, src.slice(2));
  if (src.startsWith('~')) {
    throw new ConfigError(`mount source ${JSON.stringify(src)}: "~user" paths are not supported`, 'write the absolute path instead');
  }
  return path.resolve(cwd, src);
}

function parseOptions(opts: string | undefined): Set<string> {
  return new Set((opts ?? '').split(',').filter(Boolean));
}

/** Returns the --mount arguments for the configured mounts, in order, each followed by its read-only
 *  .git overlay when it has one. */
export function buildMountArgs(mounts: readonly MountFact[], runtime: RuntimeInfo, toolName: string): string[] {
  const args: string[] = [];
  mounts.forEach((m, i) => {
    const opts = parseOptions(m.config.opts);
    const fields = m.volume ? ['type=volume', `src=${m.volume}`, `dst=${m.config.dst}`] : ['type=bind', `src=${m.real}`, `dst=${m.config.dst}`];
    if (opts.has('ro')) fields.push('ro');
    for (const [opt, label] of [['z', 'shared'], ['Z', 'private']] as const) {
      if (!opts.has(opt)) continue;
      if (runtime.name !== 'podman') {
        throw new ConfigError(`${toolName}.mounts[${i}].opts: "${opt}" (SELinux relabel) is only supported with podman`, 'remove it, or use podman');
      }
      fields.push(`relabel=${label}`);
    }
    args.push('--mount', mountSpec(fields));
    if (m.gitOverlay) args.push('--mount', mountSpec(['type=bind', `src=${m.gitOverlay.src}`, `dst=${m.gitOverlay.dst}`, 'ro']));
  });
  return args;
}
