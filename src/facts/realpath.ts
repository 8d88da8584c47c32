// Real paths of host paths that may not exist yet.
import fs from 'node:fs';
import path from 'node:path';

/** The real path of `p`: its longest existing prefix resolved through symlinks, plus the rest as written
 *  (so ~/.config/gcloud is found under the target of a symlinked ~/.config even when gcloud is absent).
 *  realpath(3) by default: one system call, where Node's own walks the path an lstat per component. */
export function realpathLoose(p: string, realpath: (p: string) => string = fs.realpathSync.native): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(realpath(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.resolve(p);
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}
