// The protected paths of this host resolved through symlinks (the list itself is pure:
// plan/protected-paths.ts).
import fs from 'node:fs';
import type { ShimPaths } from '../config/paths.js';
import type { Env } from '../host.js';
import { protectedPathSpecs, type ProtectedPath } from '../plan/protected-paths.js';
import { realpathLoose } from './realpath.js';

/** The protected paths of this host, each both as written and resolved through symlinks (a symlinked
 *  ~/.ssh protects its target too). Missing paths are compared by their lexical path. */
export function loadProtectedPaths(env: Env, home: string, paths: ShimPaths, realpath: (p: string) => string = fs.realpathSync.native): ProtectedPath[] {
  const out: ProtectedPath[] = [];
  const seen = new Set<string>();
  const add = (p: ProtectedPath) => {
    const key = `${p.path}\0${p.scope}\0${p.label}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  };
  for (const spec of protectedPathSpecs(env, home, paths)) {
    add(spec);
    add({ ...spec, path: realpathLoose(spec.path, realpath) });
  }
  return out;
}
