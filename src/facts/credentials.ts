// Which credentials have no source on this host (an unset variable, an unreadable file), looked at once
// before planning: the planner leaves the optional ones out instead of failing the run, and doctor names
// a required one that is missing.
import fs from 'node:fs';
import type { ResolvedTool } from '../config/merge.js';
import type { Env } from '../host.js';
import { credentialFilePath, findAbsentCredentials } from '../plan/credentials.js';

/** Names of `tool`'s credentials whose source is missing here (the planner leaves out the optional
 *  ones; a required one fails the run when its value is read). */
export function gatherAbsentCredentials(tool: Pick<ResolvedTool, 'credentials'>, host: { env: Env; home: string }): string[] {
  return findAbsentCredentials(tool, {
    envSet: (name) => Boolean(host.env[name]?.trim()),
    fileReadable: (from) => {
      try {
        fs.accessSync(credentialFilePath(from, host.home), fs.constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },
  });
}
