// The working directory of a run: the current directory, at its path in the container, so a tool
// started from proj/src sees relative paths exactly as it would on the host.
import path from 'node:path';
import { isWithin } from '../path-helpers.js';
import type { MountFact } from './mounts.js';

/** Where a tool with no mount that holds the current directory starts (the image has it, empty). */
export const FALLBACK_WORKDIR = '/workspace';

/** The configured `workdir`; else the current directory mapped through the deepest host mount that
 *  holds it (`/workspace/src` for proj/src when proj is mounted at /workspace); else FALLBACK_WORKDIR. */
export function planWorkdir(configured: string | undefined, mounts: readonly MountFact[], cwd: string): string {
  if (configured !== undefined) return configured;
  const holders = mounts.filter((m) => !m.volume && isWithin(cwd, m.real)).sort((a, b) => b.real.length - a.real.length);
  const holder = holders[0];
  if (!holder) return FALLBACK_WORKDIR;
  const rel = path.relative(holder.real, cwd);
  return rel ? path.posix.join(holder.dst, ...rel.split(path.sep)) : holder.dst;
}
