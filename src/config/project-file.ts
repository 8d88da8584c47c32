// Finding a project's .shim.json: no parsing and no schema, so a tool link's fast path can tell
// cheaply whether a project file applies (then it takes the full path).
import fs from 'node:fs';
import path from 'node:path';
import { isWithin } from '../path-helpers.js';
import { realpathLoose } from '../facts/realpath.js';

export const PROJECT_FILE = '.shim.json';

/** The nearest .shim.json from `cwd` upward: up to and including $HOME when cwd is inside it, else up
 *  to /. Any directory entry of that name counts (a refused one is reported, never skipped past). */
export function findProjectFile(cwd: string, home: string): string | undefined {
  const realCwd = realpathLoose(cwd);
  const realHome = realpathLoose(home);
  const stopAtHome = isWithin(realCwd, realHome);
  let dir = realCwd;
  for (;;) {
    const file = path.join(dir, PROJECT_FILE);
    if (fs.lstatSync(file, { throwIfNoEntry: false })) return file;
    if (stopAtHome && dir === realHome) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
