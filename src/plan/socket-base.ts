// Where shim puts the sockets it shares with containers and its own processes (lifelines, egress
// proxies, session supervisors): XDG_RUNTIME_DIR when it is set (a per-user tmpfs, 0700), else /tmp.
import path from 'node:path';
import type { Env } from '../host.js';

export function socketBase(env: Env): string {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return runtimeDir && path.isAbsolute(runtimeDir) ? runtimeDir : '/tmp';
}
