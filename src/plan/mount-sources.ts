// Checks each configured mount source on the host (this touches the file system, so it runs before
// planning and hands the planner plain facts).
import fs from 'node:fs';
import type { ResolvedTool } from '../config/merge.js';
import { ConfigError } from '../errors.js';
import { expandMountSource, type MountFact } from './mounts.js';

/** Resolves every mount source to its real path; a missing source is an error, never created. */
export function inspectMountSources(tool: ResolvedTool, cwd: string, home: string): MountFact[] {
  return tool.mounts.map((config, i) => {
    const where = `${tool.name}.mounts[${i}].src`;
    const expanded = expandMountSource(config.src, cwd, home);
    let real: string;
    try {
      real = fs.realpathSync(expanded);
    } catch {
      throw new ConfigError(
        `${where}: ${JSON.stringify(config.src)} resolves to ${expanded}, which does not exist`,
        'create it first (shim never creates mount sources), or fix the path',
      );
    }
    const stat = fs.statSync(real);
    if (!stat.isDirectory() && !stat.isFile()) {
      throw new ConfigError(`${where}: ${real} is neither a directory nor a regular file`, 'sockets and devices cannot be mounted');
    }
    return { config, expanded, real };
  });
}
