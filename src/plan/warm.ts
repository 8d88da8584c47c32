// Warm containers (pure): instead of a fresh `run --rm` per call, one long-lived container per tool and
// policy, and each call run in it by the container's PID 1, the keeper (containerfiles/warm-keeper.pl),
// which stops it after the idle time, so no shim daemon is needed. A call does not go through the
// runtime's `exec` (on podman it costs about as much as a new container): shim listens on the call's
// socket in the container's read-only lifeline directory and rings the keeper, which connects back
// with a secret only it and shim know and starts the tool with those connections as its stdio. Each
// call starts from what a fresh container gives (no leftover processes, empty tmpfs dirs) unless
// another call of the same tool and policy is running at that moment; everything else (mounts, env,
// network, limits, user, seccomp) is the container's, fixed when it starts. This file decides every
// flag; the executor (runtime/warm.ts) only keeps track of which container is live.
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import type { Settings } from '../config/schema.js';
import { DEFAULT_WARM_IDLE, durationMs } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { CONTAINER_HOME } from './env.js';
import { KEEPER_PERL, buildLifelineArgs } from './lifeline.js';
import { LABEL_SETUP, LABEL_TOOL } from './names.js';

/** The keeper (containerfiles/warm-keeper.pl), baked into the image. */
export const WARM_KEEPER = '/usr/local/libexec/shim/warm-keeper';
/** The execute-only perl that runs the keeper (plan/lifeline.ts): a call can neither open the keeper's
 *  /proc/1/mem nor read its environment or its secret. */
export const WARM_KEEPER_PERL = KEEPER_PERL;
/** The variable that brings the keeper shim's nonce for its birth (bare --env: the value is in the
 *  runtime's environment; the keeper drops it before any call runs). */
export const WARM_BIRTH_ENV = 'SHIM_WARM_BIRTH';
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
 * is not runs cold too: the keeper gives a call either sockets or a terminal of its own, and such a call
 * would need both.
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
  if (stdin.isTTY && !stdin.interactive) return 'stdin is a terminal but the output is not (the keeper gives a call a terminal of its own only when both are one)';
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
  /** Name of the container this call would start when none is live, and its tag: the keeper serves
   *  the sockets named after it, and its birth socket is birth-TAG.sock. */
  name: string;
  tag: string;
  /** `run -d …` that starts it, with the keeper as its main process. */
  startArgv: string[];
  /** The start command and what the keeper runs for this call, shell-quoted and redacted. */
  startDisplay: string;
  callDisplay: string;
  /** Reads the host pid of its init, to tell later whether it still runs without asking the runtime. */
  pidArgv: string[];
  /** Removes it again when its start went wrong. */
  removeArgv: string[];
  /** This call: its working directory and argv in the container, whether it gets a terminal (stdin and
   *  stdout are both one), and its id. */
  cwd: string;
  argv: string[];
  terminal: boolean;
  /** TERM (and COLORTERM) the keeper sets for a call on a terminal, as a cold run's would be. */
  terminalEnv: Record<string, string>;
  callId: string;
  /** The host directory the container mounts read-only at its start, shared by its calls' sockets. */
  lifelineDir: string;
}

/** The socket of call `callId` in the live container tagged `tag` (the keeper serves TAG.*.sock). */
export function warmCallSocket(lifelineDir: string, tag: string, callId: string): string {
  return path.join(lifelineDir, `${tag}.${callId}.sock`);
}

/** The socket the keeper of container `tag` reports its birth on. */
export function warmBirthSocket(lifelineDir: string, tag: string): string {
  return path.join(lifelineDir, `birth-${tag}.sock`);
}

/** Turns the cold run's container flags into a warm container's: detached, without `--init` (the keeper
 *  is PID 1, which a tool cannot kill or stop from inside; only unsafe_podman_args could bring one), with its label, the birth nonce's variable,
 *  the calls' lifeline directory (read-only) and the keeper, under its unreadable perl, as command, with
 *  the dirs each call may empty. `containerArgs` has no `-i`/`-t` and no command. */
export function buildWarmStart(containerArgs: readonly string[], image: string, key: string, idleSeconds: number, lifelineDir: string, tag: string, cleanDirs: readonly string[]): string[] {
  const [run, ...rest] = containerArgs;
  return [
    run!,
    '--detach',
    ...rest.filter((a) => a !== '--init'),
    '--label',
    `${LABEL_WARM}=${key}`,
    '--env',
    WARM_BIRTH_ENV,
    ...buildLifelineArgs({ dir: lifelineDir }),
    image,
    WARM_KEEPER_PERL,
    WARM_KEEPER,
    String(idleSeconds),
    tag,
    ...cleanDirs,
  ];
}

/** Lists the setup's warm containers that are running or paused (optionally one tool's), one ID per
 *  line: what `shim ps` shows and `shim stop` stops; another setup's (another state directory, another
 *  user of the same docker) are never listed. A bare `ps` differs here: podman's leaves paused
 *  containers out, docker's lists them. Filters on one key are ORed on both runtimes, except `label`,
 *  whose filters must all match. https://docs.docker.com/reference/cli/docker/container/ls/#filter */
export function warmListArgv(setup: string, tool?: string): string[] {
  return ['ps', '--quiet', '--filter', `label=${LABEL_WARM}`, '--filter', `label=${LABEL_SETUP}=${setup}`, ...(tool ? ['--filter', `label=${LABEL_TOOL}=${tool}`] : []), '--all', '--filter', 'status=running', '--filter', 'status=paused'];
}

/** Tab-separated facts about containers, the same on podman and docker (the last: running, paused…). */
export function warmInspectArgv(ids: readonly string[]): string[] {
  return ['inspect', '--format', `{{.Name}}\t{{index .Config.Labels "${LABEL_TOOL}"}}\t{{index .Config.Labels "${LABEL_WARM}"}}\t{{.State.StartedAt}}\t{{.State.Status}}`, ...ids];
}

/** Removes containers at once: the keeper, a PID 1 without a SIGTERM handler, ignores the SIGTERM
 *  podman's `rm --force` sends first (docker's kills at once; podman's waits 10 s without --time 0). */
export function warmRemoveArgv(runtime: 'podman' | 'docker', ids: readonly string[]): string[] {
  return ['rm', '--force', ...(runtime === 'podman' ? ['--time', '0'] : []), ...ids];
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
  /** The container's tag (its keeper serves TAG.*.sock) and the sha256 of its keeper's secret. */
  tag?: string;
  secretHash?: string;
}

/**
 * Whether a call may go to the recorded container. The keeper stops the container no sooner than idle
 * seconds after the last call it served started or ended, and it serves every call whose socket is
 * there when it looks (it looks once more before it stops), so a container whose last call started
 * (or ended, less a second) at `lastUse` is up until at least lastUse + idle. The margin, 5 to 30 s,
 * leaves time for the call to reach the keeper on a loaded machine; after that a new container is
 * started (the old one stops by itself, never under a call).
 */
export function warmReusable(state: WarmState | undefined, now: number, alive: boolean): boolean {
  if (!state || !alive) return false;
  const idleMs = state.idleSeconds * 1000;
  const margin = Math.min(30_000, Math.max(5_000, idleMs / 3));
  return now >= state.lastUse && now < state.lastUse + idleMs - margin;
}

/** How long before its end, as shim sees it, a call may have ended for the keeper. */
export const CALL_END_SLACK_MS = 1_000;
