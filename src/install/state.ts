// Whether a tool is ready to run on this runtime, or what to install and why (pure, apart from the
// manifest reader it is given). The installed state is read from the tool's volume, not only from the
// lock file, so a deleted volume is noticed and repaired by reinstalling instead of a confusing failure.
import path from 'node:path';
import fs from 'node:fs';
import type { ResolvedTool } from '../config/merge.js';
import { splitToolSpec } from '../plan/tool-spec.js';
import type { LockedTool, LockFile, RuntimeInstall } from './lockfile.js';

export type ManifestCheck = 'match' | 'missing' | 'unreadable';

export type InstallState =
  | { kind: 'ready'; locked: LockedTool; install: RuntimeInstall }
  | {
      kind: 'stale';
      reason: string;
      /** exact spec to install; the config's own spec when it must resolve */
      installSpec: string;
      resolves: boolean;
      /** the companion packages resolve again (the config's specs, not the locked versions) */
      packagesResolve?: boolean;
      locked?: LockedTool;
    };

/** Reads `manifest.json` in a volume's host directory and compares its install id. */
export function checkManifest(mountpoint: string, installId: string): ManifestCheck {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(mountpoint, 'manifest.json'), 'utf8')) as { installId?: string };
    return manifest.installId === installId ? 'match' : 'missing';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // docker's volumes live under /var/lib/docker, closed to non-root users: trust the lock file then
    return code === 'EACCES' || code === 'EPERM' ? 'unreadable' : 'missing';
  }
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort());

/** The companion specs to install: the config's when they resolve, else each locked name@version. */
export function packagesToInstall(tool: ResolvedTool, locked: LockedTool | undefined, resolve: boolean): string[] {
  if (resolve || !locked?.packages) return [...tool.packages];
  return Object.entries(locked.packages).map(([name, version]) => `${name}@${version}`);
}

/** The exact spec of the locked version ("npm:eslint@9.12.0"). */
export function lockedSpec(tool: ResolvedTool, locked: LockedTool): string {
  return `${splitToolSpec(tool.tool).name}@${locked.version}`;
}

export function installState(
  lock: LockFile,
  tool: ResolvedTool,
  runtime: string,
  image: string,
  check: (mountpoint: string, installId: string) => ManifestCheck = checkManifest,
): InstallState {
  const locked = lock.tools[tool.name];
  if (!locked) return { kind: 'stale', reason: 'first use', installSpec: tool.tool, resolves: true };
  if (locked.spec !== tool.tool) return { kind: 'stale', reason: `spec changed from ${locked.spec}`, installSpec: tool.tool, resolves: true };
  // new companions or scripts: the tool stays at its locked version, the packages resolve again
  if (!sameList(locked.packageSpecs, tool.packages)) return { kind: 'stale', reason: 'packages changed', installSpec: lockedSpec(tool, locked), resolves: false, packagesResolve: true, locked };
  if (!sameList(locked.installScripts, tool.install_scripts)) return { kind: 'stale', reason: 'install_scripts changed', installSpec: lockedSpec(tool, locked), resolves: false, locked };
  const again = (reason: string): InstallState => ({ kind: 'stale', reason, installSpec: lockedSpec(tool, locked), resolves: false, locked });
  const install = locked.installs[runtime];
  if (!install) return again(`locked ${locked.version}, not installed for ${runtime} yet`);
  if (!install.volume) return again('its volume was named after the tool alone, shared with every setup that has a tool of this name');
  if (install.image !== image) return again('image changed');
  if (install.mountpoint && check(install.mountpoint, install.installId) === 'missing') return again('its volume was removed or changed outside shim');
  return { kind: 'ready', locked, install };
}
