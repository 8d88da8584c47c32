// Writes the docker client config shim owns (plan/engine-config.ts planDockerConfig decided it).
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lock.js';
import type { DockerConfigOverride } from '../plan/engine-config.js';

/** Makes `override.dir` hold exactly the planned config.json and links (private to the user). */
export function applyDockerConfig(override: DockerConfigOverride): void {
  fs.mkdirSync(override.dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(path.join(override.dir, 'config.json'), override.configJson, { file: 0o600, dir: 0o700 });
  const wanted = new Map(override.links.map((l) => [path.basename(l.path), l.target]));
  for (const name of fs.readdirSync(override.dir)) {
    if (name === 'config.json' || name.endsWith('.tmp')) continue; // a concurrent shim's write in flight
    const file = path.join(override.dir, name);
    const target = fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : undefined;
    if (target === undefined || target !== wanted.get(name)) fs.rmSync(file, { recursive: true, force: true });
  }
  for (const l of override.links) {
    if (fs.lstatSync(l.path, { throwIfNoEntry: false })) continue;
    try {
      fs.symlinkSync(l.target, l.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a concurrent shim made it
    }
  }
}
