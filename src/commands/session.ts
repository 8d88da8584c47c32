// The session commands: `shim run --name NAME [-d]`, a `"session": true` link, `shim attach`, `shim
// logs`, `shim shell` and `shim stop NAME`. Starting is in session-start.ts; the supervisor that keeps a
// session alive is session/supervisor.ts.
import { setupOf } from '../facts/setup.js';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { App } from '../app/app.js';
import { resolveTool } from '../config/merge.js';
import { RuntimeError, UsageError } from '../errors.js';
import { appendAudit } from '../audit/log.js';
import { defaultSessionName, sessionShellArgv, validSessionName } from '../plan/session.js';
import { lostSessionContainer, lostSessionRemoveArgv, sessionContainersArgv } from '../plan/session-stop.js';
import { gatherRunFacts } from '../facts/run-facts.js';
import { attachSession, connectSession, requestSession } from '../session/client.js';
import { readSessionInfo, supervisorAlive, writeSessionInfo } from '../session/store.js';
import { followLog } from '../session/follow.js';
import { exitStatus, runCaptured } from '../runtime/exec.js';
import { terminalSize } from '../runtime/launch.js';
import { tailLog, withoutTerminalRequests } from '../session/output-store.js';
import { PlainTextStream, plainText } from '../session/plain-text.js';
import type { SessionInfo } from '../session/protocol.js';
import type { AuditRecord } from '../audit/record.js';
import { auditBaseFile, checkSessionName, detachKeysOf, noSuchSession, pathsOf, runningSessions, sessionStatus, startSession } from './session-start.js';
import { checkToolName, runTool } from './run.js';
import { TOOL_NAME_RE } from '../config/names.js';


/** Writes a session's output to stdout: on a terminal, without what would make it answer or touch the
 *  clipboard again. */
function writeOutput(app: App, b: Buffer): void {
  process.stdout.write(app.host.stdoutIsTTY ? withoutTerminalRequests(b) : b);
}

/** How `shim logs` writes: to a terminal as writeOutput does; through a pipe or to a file as text, as
 *  MCP's session_read returns it (the bytes as they came with `raw`). */
function logWriter(app: App, raw: boolean): { write: (b: Buffer) => void; end: () => void } {
  if (raw || app.host.stdoutIsTTY) return { write: (b) => writeOutput(app, b), end: () => {} };
  const text = new PlainTextStream();
  return { write: (b) => process.stdout.write(text.push(b)), end: () => process.stdout.write(text.end()) };
}

/** Attaches this terminal to a running session; the status is the tool's when it ended, else 0. */
async function attachTerminal(app: App, name: string, justStarted = false): Promise<number> {
  const paths = pathsOf(app, name);
  const socket = await connectSession(paths.socket);
  if (!socket) {
    const ended = readSessionInfo(paths.meta)?.exit;
    // a tool that ended between its start and this attach: what it printed, and how it ended
    if (justStarted && ended) {
      writeOutput(app, tailLog(paths.log, paths.oldLog, Number.MAX_SAFE_INTEGER));
      app.reporter.info(`session ${name} ended: exit ${ended.status}`);
      return ended.status;
    }
    if (ended) throw new UsageError(`the session ${name} has ended (exit ${ended.status})`, `read what it printed with shim logs ${name}`);
    throw await noSuchSession(app, name);
  }
  if (!app.host.stdinIsTTY || !app.host.stdoutIsTTY) {
    socket.destroy();
    throw new UsageError(`attaching to ${name} needs a terminal (stdin and stdout)`, `read its output with shim logs ${name}`);
  }
  const keys = detachKeysOf(app);
  const result = await attachSession(socket, keys.bytes, { input: process.stdin, output: process.stdout });
  if (result.detached) {
    app.reporter.info(`detached from ${name} (${keys.label}); it keeps running: shim attach ${name} to come back, shim stop ${name} to end it`);
    return 0;
  }
  // without an exit frame the supervisor went away without saying how the tool ended: its record says
  const record = readSessionInfo(pathsOf(app, name).meta);
  const status = result.status ?? record?.exit?.status ?? 125;
  if (result.why) app.reporter.error(`session ${name} ended: exit ${status}: ${result.why}`, 'raise "limits": {"memory": …} for this tool if it really needs more');
  else app.reporter.info(`session ${name} ended: exit ${status}`);
  for (const w of record?.warnings ?? []) app.reporter.warn(w);
  return status;
}

/** `shim run --name NAME [-d] TOOL [args…]`. */
export async function runSession(app: App, tool: string, args: readonly string[], options: { name: string; detach?: boolean; json?: boolean; worktree?: boolean }): Promise<number> {
  if (options.json && !options.detach) throw new UsageError('--json with a session needs -d (an attached session prints the tool\'s own output)', `shim run -d --json --name ${options.name} ${tool}`);
  checkToolName(tool);
  checkSessionName(options.name);
  if (!options.detach && (!app.host.stdinIsTTY || !app.host.stdoutIsTTY)) {
    throw new UsageError('a session started without -d attaches this terminal, and stdin or stdout is not one', `start it detached: shim run -d --name ${options.name} ${tool}`);
  }
  const info = await startSession(app, tool, args, { name: options.name, via: 'cli', ...(app.host.stdoutIsTTY ? { size: terminalSize() } : {}), ...(options.worktree ? { worktree: true } : {}) });
  if (options.detach) {
    app.stdout(options.json ? `${JSON.stringify(info, null, 2)}\n` : `${info.name}\n`);
    app.reporter.info(`session ${info.name} started (${tool}): shim attach ${info.name}, shim logs ${info.name}, shim stop ${info.name}`);
    if (info.worktree) app.reporter.info(`it works on its own copy, on branch ${info.worktree.branch}: shim diff ${info.name}, then shim apply ${info.name} (or --branch), or shim discard ${info.name}`);
    return 0;
  }
  return attachTerminal(app, info.name, true);
}

/** A tool link: a `"session": true` tool on a terminal runs as the project's session, any other run
 *  as usual. */
export async function runLink(app: App, tool: string, args: readonly string[]): Promise<number> {
  if (app.host.stdinIsTTY && app.host.stdoutIsTTY && TOOL_NAME_RE.test(tool) && resolveTool(tool, app.config(), app.paths.configDir).session) return runLinkSession(app, tool, args);
  return runTool(app, tool, args, { via: 'link' });
}

/** A link of a `"session": true` tool on a terminal: reattaches to the project's session of the tool,
 *  or starts it (named `<tool>-<project dir>`). */
export async function runLinkSession(app: App, tool: string, args: readonly string[]): Promise<number> {
  const resolved = resolveTool(tool, app.config(), app.paths.configDir);
  const project = gatherRunFacts(resolved, app.host, app.paths).root.path;
  let name = defaultSessionName(tool, project);
  const running = await sessionStatus(app, name);
  if (running && running.project === project) {
    if (args.length) app.reporter.warn(`${tool} is already running as session ${name} for this project: attaching to it (the arguments ${JSON.stringify(args.join(' '))} are not used)`);
    return attachTerminal(app, name);
  }
  // the name is another project's session: this project's gets the name with a hash of its path
  if (running) name = defaultSessionName(tool, project, true);
  if (await sessionStatus(app, name)) return attachTerminal(app, name);
  const info = await startSession(app, tool, args, { name, via: 'link', size: terminalSize() });
  return attachTerminal(app, info.name, true);
}

/** `shim attach [NAME]`: without a name, the one session that is running (as tmux attaches to its
 *  only session); with several, the error lists them. */
export async function attachCommand(app: App, name: string | undefined): Promise<number> {
  if (name === undefined) {
    const running = await runningSessions(app);
    if (running.length !== 1) {
      throw new UsageError(
        running.length ? `${running.length} sessions are running: ${running.map((s) => s.name).join(', ')}` : 'no session is running',
        running.length ? 'name one: shim attach NAME' : 'start one with shim run --name NAME TOOL',
      );
    }
    return attachTerminal(app, running[0]!.name);
  }
  checkSessionName(name);
  return attachTerminal(app, name);
}

/** `shim logs [-f] [-n N] [--raw] NAME`: the session's output log (kept after it ended, until a new
 *  session of the same name starts); text unless it goes to a terminal or `raw` keeps the bytes. */
export async function logsCommand(app: App, name: string, options: { follow?: boolean; lines?: string; json?: boolean; raw?: boolean }): Promise<number> {
  checkSessionName(name);
  if (options.json && options.follow) throw new UsageError('--json and --follow do not go together', `shim logs --json ${name}`);
  const paths = pathsOf(app, name);
  const meta = readSessionInfo(paths.meta);
  if (!meta) throw await noSuchSession(app, name);
  const lines = options.lines === undefined ? undefined : Number(options.lines);
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) throw new UsageError(`-n takes a whole number of lines, not ${JSON.stringify(options.lines)}`, `shim logs -n 100 ${name}`);
  if (options.json) {
    const log = tailLog(paths.log, paths.oldLog, lines ?? Number.MAX_SAFE_INTEGER).toString('utf8');
    app.stdout(`${JSON.stringify({ name, tool: meta.tool, output: options.raw ? log : plainText(log), exit: meta.exit ?? null, warnings: meta.warnings ?? [] }, null, 2)}\n`);
    return 0;
  }
  const out = logWriter(app, Boolean(options.raw));
  // what shim warned of after the tool's runs (a git repository it made…), on stderr after its output
  const warn = () => {
    for (const w of readSessionInfo(paths.meta)?.warnings ?? []) app.reporter.warn(w);
  };
  if (!options.follow) {
    out.write(tailLog(paths.log, paths.oldLog, lines ?? Number.MAX_SAFE_INTEGER));
    out.end();
    warn();
    return 0;
  }
  // over once its supervisor neither answers nor runs (however it ended)
  const ended = async () => !(await sessionStatus(app, name)) && !supervisorAlive(readSessionInfo(paths.meta) ?? meta);
  await followLog(paths.log, paths.oldLog, lines, out.write, ended);
  out.end();
  warn();
  return 0;
}

/** `shim shell NAME [-- cmd…]`: a shell (or cmd) in the session's container, so in its very sandbox. */
export async function shellCommand(app: App, name: string, command: readonly string[]): Promise<number> {
  checkSessionName(name);
  const info = await sessionStatus(app, name);
  if (!info) throw await noSuchSession(app, name);
  const base = shellAuditBase(app, info);
  const tty = app.host.stdinIsTTY && app.host.stdoutIsTTY;
  const runtime = app.runtime();
  const started = Date.now();
  const child = spawn(runtime.path, sessionShellArgv(info.container, info.workdir, tty, command), { env: app.runtimeEnv(), stdio: 'inherit' });
  const status = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('close', (code, signal) => resolve(exitStatus(code, signal)));
  });
  appendAudit(app.paths.stateDir, { ...base, exitCode: status, durationMs: Date.now() - started }, (m) => app.reporter.warn(m));
  return status;
}

/** The session's audit record less its outcome, written when it started (names only, no values). */
function shellAuditBase(app: App, info: SessionInfo): AuditRecord {
  const saved = (() => {
    try {
      return JSON.parse(fs.readFileSync(auditBaseFile(pathsOf(app, info.name)), 'utf8')) as AuditRecord;
    } catch {
      return undefined;
    }
  })();
  if (!saved) throw new UsageError(`the session ${info.name} has no record of its run`, `stop it (shim stop ${info.name}) and start it again`);
  return { ...saved, time: new Date().toISOString(), cwd: app.host.cwd, egress: [], signal: null, limitsHit: [], session: { name: info.name, event: 'shell' } };
}

/** Stops the named sessions, lost ones included; returns the names that are not sessions (tools, for
 *  warm containers). */
export async function stopSessions(app: App, names: readonly string[]): Promise<string[]> {
  const rest: string[] = [];
  for (const name of names) {
    const info = validSessionName(name) ? await sessionStatus(app, name) : undefined;
    if (!info) {
      if (!(validSessionName(name) && (await stopLostSession(app, name)))) rest.push(name);
      continue;
    }
    const ended = await requestSession<{ status: number }>(pathsOf(app, name).socket, { mode: 'stop' });
    app.reporter.info(`stopped: session ${name} (${info.tool})${ended ? `, exit ${ended.status}` : ''}`);
  }
  return rest;
}

/** A session whose supervisor died without recording an end (lost), with its container still running:
 *  the container is removed through the runtime and the end recorded. False when there is no such
 *  container (or the supervisor still runs, and answers for it). */
async function stopLostSession(app: App, name: string): Promise<boolean> {
  const file = pathsOf(app, name).meta;
  const info = readSessionInfo(file);
  if (!info || info.exit || supervisorAlive(info)) return false;
  const runtime = app.runtime();
  const run = (argv: string[]) => runCaptured({ file: runtime.path, argv, env: app.runtimeEnv() });
  const container = lostSessionContainer((await run(sessionContainersArgv(name, setupOf(app)))).stdout, info.container);
  if (!container) return false;
  const removed = await run(lostSessionRemoveArgv(runtime.name, container));
  if (removed.exitCode !== 0) throw new RuntimeError(`cannot stop the container ${container} of the lost session ${name}: ${removed.stderr.trim()}`, `remove it with ${runtime.name} rm --force ${container}`);
  writeSessionInfo(file, { ...info, exit: { status: 137, endedAt: new Date().toISOString(), reason: 'stopped' } });
  app.reporter.info(`stopped: session ${name} (${info.tool}), whose supervisor was gone: its container ${container} removed`);
  return true;
}
