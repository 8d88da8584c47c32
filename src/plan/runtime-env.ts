// The environment of the runtime process itself (podman or docker), decided here like every flag.
import type { Env } from '../host.js';

/** Names runtimeEnv may set to something else than the host's value (besides `overrides`' own keys,
 *  which are among these): a tool's copy of the host's value cannot go through the runtime's environment. */
export const RUNTIME_SET_NAMES: readonly string[] = ['PATH', 'DOCKER_CONFIG'];

/** The runtime's own environment: the host's, plus the sbin directories a minimal PATH may lack
 *  (netavark and slirp4netns call iptables and ip from there), plus `overrides` (e.g. DOCKER_CONFIG
 *  pointing at a client config shim owns, see engine-config.ts). Containers never inherit it: they
 *  get only what a bare `--env NAME` takes from it (see withPassedEnv). */
export function runtimeEnv(env: Env, overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const dirs = (out.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':');
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  out.PATH = dirs.join(':');
  return { ...out, ...overrides };
}

/** The runtime's environment for one planned command: `passed` (the values of its bare `--env NAME`
 *  flags, env-passing.ts) set exactly, over whatever the host had under those names. */
export function withPassedEnv(env: Readonly<Record<string, string>>, passed: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, ...passed };
}
