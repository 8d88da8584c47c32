// Finds the container runtime on PATH. shim's own link directory is skipped, and any candidate that
// resolves to shim itself is refused, so a link named "podman" can never make shim call itself.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/schema.js';
import { ConfigError, RuntimeNotFoundError } from '../errors.js';
import type { HostEnv, RuntimeInfo } from '../host.js';

const RUNTIMES = ['podman', 'docker'] as const;
type RuntimeName = (typeof RUNTIMES)[number];

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Looks a command up on PATH, skipping the given directories and anything that is really shim. */
export function findOnPath(name: string, host: HostEnv, skipDirs: readonly string[]): string | undefined {
  const skip = new Set(skipDirs.map(realpathOrSelf));
  for (const dir of (host.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir) || skip.has(realpathOrSelf(dir))) continue;
    const candidate = path.join(dir, name);
    if (!isExecutableFile(candidate)) continue;
    if (realpathOrSelf(candidate) === host.shimEntry) continue;
    return candidate;
  }
  return undefined;
}

/** Chooses podman or docker: SHIM_RUNTIME, then settings.runtime, else podman when found, else docker. */
export function detectRuntime(host: HostEnv, settings: Settings, binDir: string): RuntimeInfo {
  const fromEnv = host.env.SHIM_RUNTIME?.trim();
  if (fromEnv && !(RUNTIMES as readonly string[]).includes(fromEnv)) {
    throw new ConfigError(`SHIM_RUNTIME must be "podman" or "docker", got ${JSON.stringify(fromEnv)}`, 'unset it to pick automatically');
  }
  const wanted = (fromEnv || settings.runtime) as RuntimeName | undefined;
  for (const name of wanted ? [wanted] : RUNTIMES) {
    const found = findOnPath(name, host, [binDir]);
    if (found) return { name, path: found, rootless: name === 'podman' && host.uid !== 0 };
  }
  throw new RuntimeNotFoundError(
    wanted ? `${wanted} not found on PATH (requested by ${fromEnv ? 'SHIM_RUNTIME' : 'settings.json "runtime"'})` : 'neither podman nor docker was found on PATH',
    'install podman (recommended, e.g. "apt-get install podman") or docker, then run the command again',
  );
}

/** True when the host can enforce resource limits for this runtime: rootless podman needs cgroup v2
 *  (on cgroup v1 it ignores every limit). A cheap file-system check, made once per run. */
export function limitsEnforceable(runtime: RuntimeInfo, cgroupRoot = '/sys/fs/cgroup'): boolean {
  return !runtime.rootless || fs.existsSync(`${cgroupRoot}/cgroup.controllers`);
}

/** True when the runtime can freeze containers (pause): rootless podman needs cgroup v2 here too. */
export function freezeSupported(runtime: RuntimeInfo, cgroupRoot = '/sys/fs/cgroup'): boolean {
  return limitsEnforceable(runtime, cgroupRoot);
}
