// Path rules shared by config, facts and plan: lexical only (no file system), so any room may use them.
import path from 'node:path';
import { ConfigError } from './errors.js';

/** True when `child` is `parent` or lies inside it (both absolute and normalised). */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith('../') && !path.isAbsolute(rel);
}

/** A bare name as a mount source ("claude-state") is a named volume owned by the tool; a relative
 *  directory is written with a slash ("./sub", "sub/dir"). */
export function isVolumeName(src: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(src);
}

/** Expands "." (the project root `base`), "~" and "~/…" (home); other relative paths are relative to `base`. */
export function expandMountSource(src: string, base: string, home: string): string {
  if (src === '~') return home;
  if (src.startsWith('~/')) return path.join(home, src.slice(2));
  if (src.startsWith('~')) {
    throw new ConfigError(`mount source ${JSON.stringify(src)}: "~user" paths are not supported`, 'write the absolute path instead');
  }
  return path.resolve(base, src);
}
