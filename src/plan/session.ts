// Sessions (pure): a tool run that outlives the terminal that started it. A session is a run plan like
// any other (the same flags, with a terminal), executed by a detached supervisor process that holds the
// terminal's other end, the run's lifeline and its egress proxy; terminals attach to it over a Unix
// socket. This module decides names, places and the small grammar of detach keys.
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { HostEnv } from '../host.js';
import { TOOL_NAME_RE } from '../config/names.js';
import { socketBase } from './socket-base.js';

/** Session names follow tool names: a file name, a container name, nothing a shell would expand. */
export const SESSION_NAME_RE = TOOL_NAME_RE;
/** The detach key when settings.json sets no `detach_keys`: Ctrl-]. */
export const DEFAULT_DETACH_KEYS = 'ctrl-]';
/** The recent output a session keeps in memory and replays on attach. */
export const SCROLLBACK_BYTES = 512 * 1024;
/** Each of the two files of a session's output log (output.log and output.log.1): bounded at twice this. */
export const SESSION_LOG_BYTES = 4 * 1024 * 1024;
/** How long `shim stop NAME` waits after SIGTERM before it kills the container. */
export const SESSION_STOP_GRACE_MS = 5000;

export interface SessionPaths {
  /** The supervisor's control socket (in a 0700 directory of the user's, on a tmpfs where there is one). */
  socket: string;
  socketDir: string;
  /** The session's own state: meta.json, output.log (rotated to output.log.1), supervisor.log. */
  dir: string;
  meta: string;
  log: string;
  oldLog: string;
  supervisorLog: string;
}

export function validSessionName(name: string): boolean {
  return SESSION_NAME_RE.test(name);
}

/** Where the session called `name` keeps its socket and state. */
export function sessionPaths(host: Pick<HostEnv, 'env' | 'uid'>, stateDir: string, name: string): SessionPaths {
  const socketDir = path.join(socketBase(host.env), `shim-sessions-${host.uid}`);
  const dir = path.join(stateDir, 'sessions', name);
  return {
    socketDir,
    socket: path.join(socketDir, `${name}.sock`),
    dir,
    meta: path.join(dir, 'meta.json'),
    log: path.join(dir, 'output.log'),
    oldLog: path.join(dir, 'output.log.1'),
    supervisorLog: path.join(dir, 'supervisor.log'),
  };
}

/** The directory that holds every session's state (one subdirectory per name). */
export function sessionsDir(stateDir: string): string {
  return path.join(stateDir, 'sessions');
}

/** The session a tool with `"session": true` starts from a project: `<tool>-<project dir name>`; with
 *  `taken` (that name belongs to a session of another project) a short hash of the project path is added. */
export function defaultSessionName(tool: string, projectRoot: string, taken = false): string {
  const base = path.basename(projectRoot).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'root';
  const suffix = taken ? `-${createHash('sha256').update(projectRoot).digest('hex').slice(0, 6)}` : '';
  return `${tool}-${base}`.slice(0, 64 - suffix.length) + suffix;
}

/** The container of a session: named after the session and its run, so a late signal or cleanup of an
 *  ended session can never reach a new session of the same name. (`shim shell` and `pause` find it
 *  through the session's record; the label io.shim.session names the session.) */
export function sessionContainerName(name: string, runId: string): string {
  return `shim-session-${name.replaceAll('+', '_')}-${createHash('sha256').update(name).digest('hex').slice(0, 6)}-${runId}`;
}

/**
 * Parses detach keys in docker's notation: a comma-separated sequence of `ctrl-<c>` (c a letter, or one
 * of @ [ \ ] ^ _) and single printable characters, e.g. `ctrl-]` or `ctrl-p,ctrl-q`. Returns the bytes
 * the terminal sends, or an error message.
 */
export function parseDetachKeys(spec: string): { bytes: number[] } | { error: string } {
  const parts = spec.split(',');
  const bytes: number[] = [];
  for (const part of parts) {
    const ctrl = /^ctrl-(.)$/i.exec(part);
    if (ctrl) {
      const c = ctrl[1]!;
      const code = /[a-z]/i.test(c) ? c.toUpperCase().charCodeAt(0) : c.charCodeAt(0);
      if (code < 0x40 || code > 0x5f) return { error: `"${part}" is not a control key (ctrl- takes a letter or one of @ [ \\ ] ^ _)` };
      bytes.push(code - 0x40);
    } else if (part.length === 1 && part >= ' ' && part <= '~') bytes.push(part.charCodeAt(0));
    else return { error: `"${part}" is neither ctrl-<key> nor a single character` };
  }
  if (!bytes.length || !spec) return { error: 'no key given' };
  return { bytes };
}

/** How a detach key sequence is named to the user ("Ctrl-]"). */
export function describeDetachKeys(spec: string): string {
  return spec
    .split(',')
    .map((p) => p.replace(/^ctrl-(.)$/i, (_, c: string) => `Ctrl-${c.toUpperCase()}`))
    .join(' ');
}

/** The runtime argv of `shim shell NAME [-- cmd…]`: a process in the session's own container (its
 *  mounts, environment, network, limits and user), in its working directory. */
export function sessionShellArgv(container: string, workdir: string, tty: boolean, command: readonly string[]): string[] {
  // the image's bash when there is one (shim's image has it), else sh
  const shell = ['sh', '-c', 'command -v bash >/dev/null 2>&1 && exec bash || exec sh'];
  return ['exec', tty ? '-it' : '-i', '--workdir', workdir, container, ...(command.length ? command : shell)];
}
