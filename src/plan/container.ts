// Flags every shim container gets, run or install: removal on exit (its init is shim's own, see
// plan/lifeline.ts), no image pulls, no capabilities, no privilege gain, a read-only root with private tmpfs for /tmp and HOME.
import path from 'node:path';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { CA_BUNDLE_DST, CONTAINER_HOME } from './env.js';
import { LABEL_RUN, LABEL_SETUP, LABEL_TOOL } from './names.js';
import { mountSpec } from './quote.js';

/** shim's seccomp profile, shipped in the package (see the comment inside it). */
export function seccompProfilePath(host: Pick<HostEnv, 'packageRoot'>): string {
  return path.join(host.packageRoot, 'containerfiles', 'seccomp.json');
}

/** Returns the common `run` flags for a container of the given name. `pidsLimit` is left out where
 *  the host cannot enforce it (rootless podman on cgroup v1 ignores limits and warns on every run).
 *  `setup` (names.ts buildSetupId) labels it as this setup's: only this setup lists and stops it. */
export function buildContainerBaseArgs(
  runtime: RuntimeInfo,
  name: string,
  tool: string,
  runId: string,
  pidsLimit: number | undefined,
  seccompProfile: string,
  setup: string,
): string[] {
  return [
    'run',
    '--rm',
    // no --init: shim's own PID 1 is the init, the lifeline (plan/lifeline.ts) or a warm keeper
    '--pull=never',
    '--name',
    name,
    '--label',
    `${LABEL_TOOL}=${tool}`,
    '--label',
    `${LABEL_RUN}=${runId}`,
    '--label',
    `${LABEL_SETUP}=${setup}`,
    '--cap-drop=all',
    '--security-opt=no-new-privileges',
    `--security-opt=seccomp=${seccompProfile}`,
    '--read-only',
    '--ipc=private',
    // no copy of the tool's output in the runtime's logs (attached stdio is unaffected)
    '--log-driver=none',
    ...(pidsLimit ? [`--pids-limit=${pidsLimit}`] : []),
    '--tmpfs',
    '/tmp:rw,nosuid,nodev,exec,size=1g,mode=1777',
    '--tmpfs',
    `${CONTAINER_HOME}:rw,nosuid,nodev,exec,size=512m,mode=1777`,
    // podman copies the host's proxy variables into containers unless told not to
    ...(runtime.name === 'podman' ? ['--http-proxy=false'] : []),
  ];
}

/** Returns the read-only bind mount of the host CA bundle, when one is configured. */
export function buildCaBundleArgs(caBundle: string | undefined): string[] {
  return caBundle ? ['--mount', mountSpec(['type=bind', `src=${caBundle}`, `dst=${CA_BUNDLE_DST}`, 'ro'])] : [];
}

/** Signals shim forwards to the tool. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** Returns, per forwarded signal, the argv that delivers it to the container through the runtime.
 *  Signalling the runtime client instead loses the exit status on rootless podman 4.3 (its client
 *  re-executes itself in a user namespace and the copy dies with "container not running"). */
export function buildSignalArgv(name: string): Record<ForwardedSignal, string[]> {
  const argv = (sig: string) => ['kill', '--signal', sig.replace(/^SIG/, ''), name];
  return { SIGINT: argv('SIGINT'), SIGTERM: argv('SIGTERM'), SIGHUP: argv('SIGHUP') };
}

/** Returns the argv that kills the container outright (a timeout's last resort). */
export function buildForceKillArgv(name: string): string[] {
  return ['kill', '--signal', 'KILL', name];
}

/**
 * A watchdog for shim itself: a tiny shell that waits on a pipe from shim. shim writes "done" when the
 * run is over; if shim dies first (even SIGKILL), the pipe closes without it and the watchdog removes
 * the container, so no container outlives its shim, and then the run's own directories (the egress
 * proxy's sockets, the lifeline's) when it has them (the proxy itself exits when shim's end of its stdin
 * closes). When the watchdog dies with shim, the container's lifeline still ends it (plan/lifeline.ts).
 */
export function buildWatchdogArgv(runtimePath: string, name: string, ...dirs: (string | undefined)[]): string[] {
  const own = dirs.filter((d): d is string => Boolean(d));
  if (!own.length) return buildWatchdogArgvFor([runtimePath, 'rm', '--force', name]);
  const script = 'read -r state; [ "$state" = done ] && exit 0; "$1" rm --force "$2" >/dev/null 2>&1; shift 2; rm -rf -- "$@"';
  return ['/bin/sh', '-c', script, 'shim-watchdog', runtimePath, name, ...own];
}

/** A watchdog that runs `argv` unless shim wrote "done" first (see buildWatchdogArgv). */
export function buildWatchdogArgvFor(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'read -r state; [ "$state" = done ] || exec "$@" >/dev/null 2>&1', 'shim-watchdog', ...argv];
}

/** Returns the argv that removes a container left behind (after shim itself was signalled). */
export function buildCleanupArgv(name: string): string[] {
  return ['rm', '--force', name];
}
