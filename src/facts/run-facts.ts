// Everything a run's planner needs to know about the host's file system, gathered once, up front:
// the real current directory, the project root, the mount sources and the protected paths.
import type { ResolvedTool } from '../config/merge.js';
import type { ShimPaths } from '../config/paths.js';
import type { HostEnv } from '../host.js';
import type { MountSourceFacts } from '../plan/mount-policy.js';
import type { ProtectedPath } from '../plan/protected-paths.js';
import { gatherAbsentCredentials } from './credentials.js';
import { inspectMountSources } from './mount-sources.js';
import { findProjectRoot, type ProjectRoot } from './project-root.js';
import { loadProtectedPaths } from './protected-paths.js';
import { realpathLoose } from './realpath.js';
import { loadSetupId } from './setup.js';

export interface RunFacts {
  /** Real path of the current directory. */
  cwd: string;
  /** Real path of $HOME. */
  home: string;
  root: ProjectRoot;
  mountSources: MountSourceFacts[];
  protectedPaths: ProtectedPath[];
  /** Credentials whose source is missing, optional or not (facts/credentials.ts). */
  absentCredentials: string[];
}

/** Looks at the host once for a run of `tool` from `host.cwd`. */
export function gatherRunFacts(tool: ResolvedTool, host: Pick<HostEnv, 'cwd' | 'home' | 'env' | 'projectCeiling' | 'uid'>, paths: ShimPaths): RunFacts {
  const root = findProjectRoot(host.cwd, host.home, undefined, host.projectCeiling);
  const protectedPaths = loadProtectedPaths(host.env, host.home, paths);
  return {
    cwd: realpathLoose(host.cwd),
    home: realpathLoose(host.home),
    root,
    mountSources: inspectMountSources(tool, root.path, host.home, { protectedPaths, setup: loadSetupId(host.uid, paths.stateDir) }),
    protectedPaths,
    absentCredentials: gatherAbsentCredentials(tool, host),
  };
}
