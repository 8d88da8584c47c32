// Warm containers (pure): instead of a fresh `run --rm` per call, one long-lived container per tool and
// policy, and each call an `exec` into it. The container's PID 1 is the keeper of
// containerfiles/warm.sh, which stops it after the idle time, so no shim daemon is needed. Each call
// starts from what a fresh container gives (no leftover processes, empty tmpfs dirs) unless another call
// of the same tool and policy is running at that moment; everything else (mounts, env, network, limits,
// user, seccomp) is the container's, fixed when it starts. This file decides every flag; the executor
// (runtime/warm.ts) only keeps track of which container is live.
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import type { Settings } from '../config/schema.js';
import { DEFAULT_WARM_IDLE, durationMs } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { FORWARDED_SIGNALS, buildWatchdogArgvFor, type ForwardedSignal } from './container.js';
import { CONTAINER_HOME } from './env.js';
import { buildLifelineArgs, type LifelinePlan } from './lifeline.js';
import { LABEL_TOOL } from './names.js';

/** The script baked into the image (containerfiles/warm.sh). */
export const WARM_HELPER = '/usr/local/libexec/shim/warm';
/** An execute-only copy of the image's /bin/sh (Containerfile) that runs the keeper: a process started
 *  from a file it cannot read is not dumpable, so a call, the same user, can neither open the keeper's
 *  /proc/1/mem (and rewrite it, which seccomp's ptrace ban does not stop) nor read its environment. */
export const WARM_KEEPER_SHELL = '/usr/local/libexec/shim/keeper-sh';
/** The keeper's and the calls' bookkeeping inside the container (a tmpfs of its own). */
export const WARM_STATE_DIR = '/run/shim-warm';
/** Marks a warm container; the value is its key (runtime and policy). */
export const LABEL_WARM = 'io.shim.warm';

/** Directories a fresh container starts with empty (shim's own tmpfs and the runtimes' ones); not
 *  /run, whose podman tmpfs holds .containerenv, which a fresh container has too. */
const CLEAN_DIRS = ['/tmp', CONTAINER_HOME, '/var/tmp', '/dev/shm'];
/** podman_args that can mount something, which shim cannot see into: no directory is emptied then. */
const MOUNTING_ARG_RE = /^(-v|--volume|--mount|--tmpfs|--volumes-from|--image-volume)(=|$)|^-v./;

export interface WarmRequest {
  idleSeconds: number;
  /** Where the request came from, for messages: the tool, or settings.json. */
  from: 'tool' | 'settings';
}

/** Whether the tool asked to run warm (the tool's field, else settings.json), and for how long idle. */
export function resolveWarm(tool: ResolvedTool, settings: Pick<Settings, 'warm' | 'warm_idle'>): WarmRequest | undefined {
  const on = tool.warm ?? settings.warm ?? false;
  if (!on) return undefined;
  const idle = tool.warm_idle ?? settings.warm_idle ?? DEFAULT_WARM_IDLE;
  return { idleSeconds: Math.max(1, Math.round(durationMs(idle) / 1000)), from: tool.warm ? 'tool' : 'settings' };
}

/**
 * Why this call runs cold although the tool is warm, or undefined. An allow-list tool is refused
 * outright when it asked itself (its proxy lives for one call, so its container cannot outlive it);
 * with only the global setting it quietly runs cold. A call whose stdin is a terminal but whose output
 * is not runs cold too: without -t its exec client runs in a session of its own (runtimes do not
 * forward signals on exec, so shim does), and reading the terminal from there is a case shim does not
 * take on.
 */
export function warmObstacle(tool: ResolvedTool, request: WarmRequest, allowlist: boolean, stdin: { isTTY: boolean; interactive: boolean }): string | undefined {
  if (allowlist) {
    if (request.from === 'tool') {
      throw new ConfigError(
        `${tool.name}: "warm" and allowed_hosts do not go together (the egress proxy lives for one call, a warm container for many)`,
        `remove "warm" from ${tool.name}, or replace allowed_hosts with "network": "bridge"`,
      );
    }
    return 'allowed_hosts: the egress proxy lives for one call';
  }
  if (stdin.isTTY && !stdin.interactive) return 'stdin is a terminal but the output is not (a warm call would read the terminal from outside its job control)';
  return undefined;
}

/** The tmpfs dirs each call may empty: none that a mount lies on or above (emptying it would reach the
 *  mount), and none at all when podman_args may mount things shim cannot see (or go unchecked). */
export function dirsToClean(mountDsts: readonly string[], podmanArgs: readonly string[], unsafePodmanArgs = false): string[] {
  if (unsafePodmanArgs || podmanArgs.some((a) => MOUNTING_ARG_RE.test(a))) return [];
  // "/var/tmp/" and "/var//tmp" are the same mount point as "/var/tmp"
  const dsts = mountDsts.map((d) => path.posix.normalize(d).replace(/(.)\/+$/, '$1'));
  const covers = (outer: string, inner: string) => outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
  return CLEAN_DIRS.filter((dir) => !dsts.some((dst) => covers(dst, dir)));
}

export interface WarmPlan {
  /** Identifies the container: runtime and policy (everything but the call's own arguments). */
  key: string;
  idleSeconds: number;
  /** Name of the container this call would start when none is live. */
  name: string;
  /** `run -d …` that starts it, with the keeper as its main process. */
  startArgv: string[];
  /** The start command and this call's exec (into a container started now), shell-quoted and redacted. */
  startDisplay: string;
  callDisplay: string;
  /** Reads the host pid of its init, to tell later whether it still runs without asking the runtime. */
  pidArgv: string[];
  /** `exec` flags, then (after the container's name) the call. */
  execFlags: string[];
  callArgs: string[];
  /** The call's id inside the container (for signals). */
  callId: string;
  /** Without a terminal of its own (-t), the exec client gets its own process group and shim forwards
   *  every signal itself: a Ctrl-C reaching the client would end it and leave the call running. */
  clientOwnGroup: boolean;
  /** The call's socket, held by shim while the call runs, in the directory the container mounts from
   *  its start: the keeper kills the call once nobody listens on it (shim gone, however it went). */
  lifeline: LifelinePlan;
}

/** How one call in the live container `name` is signalled, stopped and cleaned up after. */
export function warmSignals(warm: Pick<WarmPlan, 'callId' | 'clientOwnGroup' | 'lifeline'>, name: string, runtimePath: string) {
  const kill = warmSignalArgv(name, warm.callId, 'SIGKILL');
  return {
    signalArgv: Object.fromEntries(FORWARDED_SIGNALS.map((sig) => [sig, warmSignalArgv(name, warm.callId, sig)])) as Record<ForwardedSignal, string[]>,
    forceKillArgv: kill,
    // after a signal the exec client may end before the call: the call and what it started go too
    cleanupArgv: kill,
    // a killed shim takes its call along (the container stays for the next call)
    watchdogArgv: buildWatchdogArgvFor([runtimePath, ...kill]),
    clientOwnGroup: warm.clientOwnGroup,
    // and when the watchdog dies with it, the keeper notices the call's closed lifeline
    lifeline: warm.lifeline,
  };
}

/** Turns the cold run's container flags into a warm container's: detached, without `--init` (the keeper
 *  is PID 1, which a tool cannot kill or stop from inside), with its label, the keeper's tmpfs, the
 *  calls' lifeline directory (read-only) and the keeper, under its unreadable shell, as command. `containerArgs` has no `-i`/`-t`
 *  and no command. */
export function buildWarmStart(containerArgs: readonly string[], image: string, key: string, idleSeconds: number, lifelineDir: string): string[] {
  const [run, ...rest] = containerArgs;
  return [
    run!,
    '--detach',
    ...rest.filter((a) => a !== '--init'),
    '--label',
    `${LABEL_WARM}=${key}`,
    '--tmpfs',
    `${WARM_STATE_DIR}:rw,nosuid,nodev,noexec,size=1m,mode=1777`,
    ...buildLifelineArgs({ dir: lifelineDir }),
    image,
    WARM_KEEPER_SHELL,
    WARM_HELPER,
    'keep',
    String(idleSeconds),
  ];
}

/** The complete exec command of this call in the live container `name`. */
export function warmExecArgv(warm: Pick<WarmPlan, 'execFlags' | 'callArgs'>, name: string): string[] {
  return [...warm.execFlags, name, ...warm.callArgs];
}

export function buildWarmCall(interactive: boolean, workdir: string, callId: string, cleanDirs: readonly string[], command: string, args: readonly string[]): Pick<WarmPlan, 'execFlags' | 'callArgs'> {
  return {
    execFlags: ['exec', interactive ? '-it' : '-i', '--workdir', workdir],
    callArgs: [WARM_HELPER, 'call', callId, cleanDirs.join(':'), command, ...args],
  };
}

/** Delivers a signal to one call (KILL: to the call, its descendants and its process group). */
export function warmSignalArgv(name: string, callId: string, sig: ForwardedSignal | 'SIGKILL'): string[] {
  return ['exec', name, WARM_HELPER, 'signal', callId, sig.replace(/^SIG/, '')];
}

/** Lists shim's warm containers (optionally one tool's), one ID per line. */
export function warmListArgv(tool?: string): string[] {
  return ['ps', '--quiet', '--filter', `label=${LABEL_WARM}`, ...(tool ? ['--filter', `label=${LABEL_TOOL}=${tool}`] : [])];
}

/** Tab-separated facts about containers, the same on podman and docker (the last: running, paused…). */
export function warmInspectArgv(ids: readonly string[]): string[] {
  return ['inspect', '--format', `{{.Name}}\t{{index .Config.Labels "${LABEL_TOOL}"}}\t{{index .Config.Labels "${LABEL_WARM}"}}\t{{.State.StartedAt}}\t{{.State.Status}}`, ...ids];
}

export function warmRemoveArgv(ids: readonly string[]): string[] {
  return ['rm', '--force', ...ids];
}

/** What the executor recorded about a live warm container (runtime/warm.ts keeps it in a state file). */
export interface WarmState {
  name: string;
  /** Host pid of the container's init, and its start time in clock ticks since boot (pid reuse). */
  pid: number;
  pidStart: string;
  /** When a call last started in it (ms since the epoch). */
  lastUse: number;
  idleSeconds: number;
  /** Identity (device:inode) of the lifeline directory it mounted: a directory made anew since (a
   *  cleaned /tmp) is not the container's, so its calls' sockets would not reach it. */
  lifelineDir?: string;
}

/**
 * Whether a call may exec into the recorded container. The keeper stops the container no sooner than
 * idle seconds after the last call it saw, and it sees every call (a call leaves a mark even when it
 * ends between two looks), so a container whose last call started (or ended, less a second) at
 * `lastUse` is up until at least lastUse + idle. The margin, 5 to 30 s, leaves time for the exec to
 * arrive on a loaded machine; after that a new container is started (the old one stops by itself, never
 * under a call).
 */
export function warmReusable(state: WarmState | undefined, now: number, alive: boolean): boolean {
  if (!state || !alive) return false;
  const idleMs = state.idleSeconds * 1000;
  const margin = Math.min(30_000, Math.max(5_000, idleMs / 3));
  return now >= state.lastUse && now < state.lastUse + idleMs - margin;
}

/** How long after its end a call still counts as the container's last use: the keeper may have seen it
 *  running last up to one look (a second) before it ended. */
export const CALL_END_SLACK_MS = 1_000;
