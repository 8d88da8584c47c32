// Which directory is "the project" for a run: what "." means in a mount, what the .git overlay, the
// protected-path rules and project trust are about. Editors, git hooks and agents call tools from any
// subdirectory with absolute paths, so the whole project has to be visible, not just the current directory.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_FILE } from '../config/project-file.js';
import { isWithin } from '../path-helpers.js';
import { realpathLoose } from './realpath.js';

/** The project root and why it was chosen. */
export interface ProjectRoot {
  /** Real path of the root. */
  path: string;
  /** git: the nearest directory holding .git (directory or file); shim-json: the nearest holding
   *  .shim.json; cwd: neither was found below $HOME (or below /), so the current directory. */
  reason: 'git' | 'shim-json' | 'cwd';
  /** The marker that decided it (`<root>/.git` or `<root>/.shim.json`). */
  marker?: string;
}

/** The nearest ancestor of `cwd` (itself included) holding `.git` or `.shim.json`, else `cwd`. The search
 *  never reaches $HOME or anything above it (a dotfiles repository in $HOME does not make $HOME the
 *  project), nor "/", nor above `ceiling` when one is given (an MCP server's root). */
export function findProjectRoot(
  cwd: string,
  home: string,
  exists: (p: string) => boolean = (p) => fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined,
  ceiling?: string,
): ProjectRoot {
  const realCwd = realpathLoose(cwd);
  const realHome = realpathLoose(home);
  const top = ceiling === undefined ? undefined : realpathLoose(ceiling);
  const insideHome = isWithin(realCwd, realHome);
  for (let dir = realCwd; ; dir = path.dirname(dir)) {
    if (dir === '/' || (insideHome && dir === realHome) || (top !== undefined && !isWithin(dir, top))) break;
    for (const [name, reason] of [['.git', 'git'], [PROJECT_FILE, 'shim-json']] as const) {
      const marker = path.join(dir, name);
      if (exists(marker)) return { path: dir, reason, marker };
    }
  }
  return { path: realCwd, reason: 'cwd' };
}

/** How explain says why the root was chosen. */
export function describeProjectRoot(root: ProjectRoot): string {
  if (root.reason === 'cwd') return 'the current directory (no .git or .shim.json above it, below $HOME)';
  return `the nearest directory holding ${root.reason === 'git' ? '.git' : PROJECT_FILE}`;
}
