// Starting a session (`shim run --name NAME [-d]`, a link of `"session": true`, MCP's session_start):
// the run is prepared as any run (image, install, plan: the same flags, with a terminal), then handed
// to a detached supervisor (session/supervisor.ts) on its stdin, and the terminal attaches to it.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { settingsOrThrow, type App } from '../app/app.js';
import { RuntimeError, UsageError } from '../errors.js';
import { DEFAULT_DETACH_KEYS, SCROLLBACK_BYTES, SESSION_LOG_BYTES, SESSION_STOP_GRACE_MS, describeDetachKeys, parseDetachKeys, sessionPaths, sessionsDir, validSessionName, type SessionPaths } from '../plan/session.js';
import { withLock } from '../lock.js';
import { auditRecord } from '../audit/from-run.js';
import type { SessionSpec } from '../session/spec.js';
import type { SessionInfo } from '../session/protocol.js';
import { requestSession } from '../session/client.js';
import { readSessionInfo, sessionNames, supervisorAlive } from '../session/store.js';
import { checkToolName, prepareRun, watchOf } from './run.js';
import { resolveTool, type ResolvedTool } from '../config/merge.js';
import { resolveRestartPolicy } from '../session/restart.js';
import { refuseKeptCopy, startWorktree, type StartedWorktree } from './worktree-start.js';

export function checkSessionName(name: string): void {
  if (validSessionName(name)) return;
  throw new UsageError(`invalid session name ${JSON.stringify(name)}`, 'session names are letters, digits and . _ + -, start with a letter or digit, and are at most 64 characters');
}

/** Where the session called `name` is: its state under the state directory, and its socket where its
 *  record says (it was placed by the environment of the shim that started it), else where this
 *  environment would place it. */
export function pathsOf(app: App, name: string): SessionPaths {
  const paths = sessionPaths(app.host, app.paths.stateDir, name);
  const recorded = readSessionInfo(paths.meta)?.socket;
  return recorded && path.isAbsolute(recorded) ? { ...paths, socket: recorded, socketDir: path.dirname(recorded) } : paths;
}

/** The running session called `name` (its supervisor's answer), or undefined. */
export function sessionStatus(app: App, name: string): Promise<SessionInfo | undefined> {
  return requestSession<SessionInfo>(pathsOf(app, name).socket, { mode: 'status' });
}

/** The running sessions, by their supervisors' answers. */
export async function runningSessions(app: App): Promise<SessionInfo[]> {
  const all = await Promise.all(sessionNames(app.paths.stateDir).map((n) => sessionStatus(app, n)));
  return all.filter((s): s is SessionInfo => Boolean(s));
}

/** The error for a session name that is not running, listing those that are. */
export async function noSuchSession(app: App, name: string): Promise<UsageError> {
  const running = (await runningSessions(app)).map((s) => s.name);
  return new UsageError(`no session named ${JSON.stringify(name)} is running`, running.length ? `running sessions: ${running.join(', ')} (shim ps)` : 'no session is running; start one with shim run --name NAME TOOL');
}

/** The detach keys of settings.json (validated there), as bytes and as the user reads them. */
export function detachKeysOf(app: App): { bytes: number[]; label: string } {
  const spec = settingsOrThrow(app).detach_keys ?? DEFAULT_DETACH_KEYS;
  const parsed = parseDetachKeys(spec);
  return { bytes: 'bytes' in parsed ? parsed.bytes : [0x1d], label: describeDetachKeys(spec) };
}

/** The session's audit record less its outcome (names only), for `shim shell`'s record. */
export function auditBaseFile(paths: SessionPaths): string {
  return path.join(paths.dir, 'audit.json');
}

function supervisorEntry(app: App): string {
  return path.join(app.host.packageRoot, 'dist', 'session.mjs');
}

/** Refuses a name a session still holds: its socket answers, or its supervisor still runs. */
async function refuseRunning(app: App, name: string, paths: SessionPaths): Promise<void> {
  const previous = readSessionInfo(paths.meta);
  if ((await sessionStatus(app, name)) || (previous && !previous.exit && supervisorAlive(previous))) {
    throw new UsageError(`a session named ${JSON.stringify(name)} is already running`, `attach to it with shim attach ${name}, or pick another --name`);
  }
}

/** Prepares the run and starts its supervisor; resolves once the session's container runs. */
export async function startSession(app: App, tool: string, args: readonly string[], options: { name: string; via: 'cli' | 'link' | 'mcp' | 'web'; size?: { cols: number; rows: number }; worktree?: boolean }): Promise<SessionInfo> {
  checkSessionName(options.name);
  // a new session's socket goes where this environment places it
  const paths = sessionPaths(app.host, app.paths.stateDir, options.name);
  await refuseRunning(app, options.name, paths);
  checkToolName(tool);
  refuseKeptCopy(app, options.name);
  const resolved = resolveTool(tool, app.config(), app.paths.configDir);
  // a worktree session: its own copy of the project, made before the run is planned (the plan mounts it)
  const worktree = options.worktree || resolved.worktree ? await startWorktree(app, resolved, options.name) : undefined;
  try {
    return await startPrepared(app, tool, args, options, paths, resolved, worktree);
  } catch (e) {
    worktree?.remove();
    throw e;
  }
}

async function startPrepared(app: App, tool: string, args: readonly string[], options: { name: string; via: 'cli' | 'link' | 'mcp' | 'web'; size?: { cols: number; rows: number } }, paths: SessionPaths, resolved: ResolvedTool, worktree: StartedWorktree | undefined): Promise<SessionInfo> {
  const run = await prepareRun(app, tool, args, { session: { name: options.name }, ...(worktree ? { worktree: worktree.mounts } : {}) });
  for (const w of run.plan.warnings) app.reporter.warn(w);
  const restart = resolveRestartPolicy(resolved);
  // two starts of one name: one session, the other refused
  return withLock(path.join(sessionsDir(app.paths.stateDir), `${options.name}.lock`), async () => {
    await refuseRunning(app, options.name, paths);
    // a new session of an old name starts a new log
    fs.rmSync(paths.dir, { recursive: true, force: true });
    fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const info: SessionSpec['info'] = {
      name: options.name,
      tool: run.tool.name,
      args: [...args],
      project: run.plan.project?.path ?? app.host.cwd,
      cwd: app.host.cwd,
      container: run.plan.containerName,
      runtime: run.ctx.runtime.name,
      runId: run.runId ?? '',
      startedAt: new Date().toISOString(),
      workdir: run.plan.workdir,
      socket: paths.socket,
      ...(run.snapshots?.length ? { snapshots: run.snapshots } : {}),
      ...(worktree ? { worktree: { branch: worktree.meta.branch, copy: worktree.paths.tree } } : {}),
    };
    const base = auditRecord(app, run, { startedAt: new Date(), exitCode: 0, signal: null, durationMs: 0, limitsHit: [], warnings: run.plan.warnings }, options.via);
    const spec: SessionSpec = {
      info,
      paths,
      command: run.command,
      signals: run.signals,
      ...(run.plan.limits?.timeoutMs ? { timeoutMs: run.plan.limits.timeoutMs } : {}),
      stopGraceMs: SESSION_STOP_GRACE_MS,
      scrollbackBytes: SCROLLBACK_BYTES,
      logBytes: SESSION_LOG_BYTES,
      ...(run.plan.proxy ? { proxy: run.plan.proxy } : {}),
      ...(run.plan.portForward ? { portForward: run.plan.portForward } : {}),
      home: app.host.home,
      stateDir: app.paths.stateDir,
      cols: options.size?.cols ?? 80,
      rows: options.size?.rows ?? 24,
      audit: base,
      runtime: run.ctx.runtime,
      ...(run.plan.limits?.memory && !run.plan.limits.unenforced.length ? { memory: run.plan.limits.memory } : {}),
      ...(restart ? { restart } : {}),
      watch: watchOf(app, run, Boolean(worktree)),
    };
    fs.writeFileSync(auditBaseFile(paths), JSON.stringify(base), { mode: 0o600 });
    const pid = await spawnSupervisor(app, spec);
    return { ...info, pid };
  });
}

/** Starts the supervisor detached, hands it the plan, and waits for its word. */
async function spawnSupervisor(app: App, spec: SessionSpec): Promise<number> {
  const { paths, info } = spec;
  const logFd = fs.openSync(paths.supervisorLog, 'a', 0o600);
  const child = spawn(app.host.node.path, [supervisorEntry(app)], { cwd: app.host.cwd, env: app.host.env, detached: true, stdio: ['pipe', 'pipe', logFd] });
  fs.closeSync(logFd);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.stdout!.on('close', () => resolve(text.trim()));
    child.once('error', (e) => resolve(`error ${JSON.stringify(e.message)}`));
  });
  child.stdin!.on('error', () => {});
  // the plan holds the values passed to the container: it goes on the supervisor's stdin, nowhere else
  child.stdin!.end(JSON.stringify(spec));
  const lines = (await answer).split('\n');
  const said = lines.pop()!;
  for (const note of lines.filter((l) => l.startsWith('note '))) app.reporter.info(JSON.parse(note.slice(5)) as string);
  child.unref();
  if (said !== 'ready') {
    const why = said.startsWith('error ') ? (JSON.parse(said.slice(6)) as string) : 'it exited before it was ready';
    throw new RuntimeError(`the session ${info.name} could not start: ${why}`, `see ${paths.supervisorLog}`);
  }
  return child.pid ?? 0;
}
