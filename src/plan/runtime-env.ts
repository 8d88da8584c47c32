// The environment of the runtime process itself (podman or docker), decided here like every flag.
import type { Env } from '../host.js';

/** The runtime's own environment: the host's, plus the sbin directories a minimal PATH may lack
 *  (netavark and slirp4netns call iptables and ip from there), plus `overrides` (e.g. DOCKER_CONFIG
 *  pointing at a client config shim owns, see engine-config.ts). Containers never inherit it. */
export function runtimeEnv(env: Env, overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const dirs = (out.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':');
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  out.PATH = dirs.join(':');
  return { ...out, ...overrides };
}
