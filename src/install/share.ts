// Two tool names with the same install (`eslint` and `eslint-cold`: the same spec, packages, install
// scripts, release age and install hosts) share one: the second takes the first's locked versions and
// volume instead of downloading and installing the same thing again.
import { createHash } from 'node:crypto';
import type { ResolvedTool } from '../config/merge.js';
import type { LockedTool, LockFile, RuntimeInstall } from './lockfile.js';
import type { ManifestCheck } from './state.js';

const sorted = (list: readonly string[]) => [...list].sort();

/** The key of everything that decides what an install puts in its volume (the image is compared on its
 *  own: an install is shared only for the image it was made for). */
export function buildInstallKey(tool: Pick<ResolvedTool, 'tool' | 'packages' | 'install_scripts' | 'install_hosts'>, releaseAge: string, installHosts: readonly string[] | undefined): string {
  const decided = { spec: tool.tool, packages: sorted(tool.packages), scripts: sorted(tool.install_scripts), age: releaseAge, hosts: sorted([...(installHosts ?? []), ...tool.install_hosts]) };
  return createHash('sha256').update(JSON.stringify(decided)).digest('hex').slice(0, 16);
}

export interface SharedInstall {
  from: string;
  locked: LockedTool;
  install: RuntimeInstall;
}

/** What the sharer must keep: its locked version (and packages) when it does not resolve again. */
export interface ShareNeeds {
  version?: string;
  packages?: Record<string, string>;
}

const samePackages = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/** Another tool of the lock file whose install, for this runtime and image, is what `name` would install,
 *  and is still in its volume; undefined when there is none. */
export function findSharedInstall(
  lock: LockFile,
  name: string,
  key: string,
  runtime: string,
  image: string,
  needs: ShareNeeds,
  check: (mountpoint: string, installId: string) => ManifestCheck,
): SharedInstall | undefined {
  for (const [from, locked] of Object.entries(lock.tools)) {
    const install = locked.installs[runtime];
    if (from === name || locked.installKey !== key || !install?.volume || install.image !== image) continue;
    if (needs.version !== undefined && locked.version !== needs.version) continue;
    if (needs.packages !== undefined && !samePackages(locked.packages, needs.packages)) continue;
    if (install.mountpoint && check(install.mountpoint, install.installId) === 'missing') continue;
    return { from, locked, install };
  }
  return undefined;
}

/** After `name` installed `record` into its volume: the other tools that shared that volume keep it only
 *  while it holds what they locked (the same version and packages); the others install again. */
export function updateSharers(lock: LockFile, name: string, runtime: string, record: RuntimeInstall, version: string, packages: Record<string, string> | undefined): void {
  for (const [other, locked] of Object.entries(lock.tools)) {
    if (other === name || locked.installs[runtime]?.volume !== record.volume) continue;
    if (locked.version === version && samePackages(locked.packages, packages)) locked.installs[runtime] = record;
    else delete locked.installs[runtime];
  }
}
