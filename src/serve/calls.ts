// How the page's requests reach shim: through the CLI's own command functions, each call with an App
// of its own (in the directory the call concerns, never on a terminal) whose output is captured, and
// every action recorded in the audit log with via "web".
import fs from 'node:fs';
import { createApp, type App } from '../app/with-config-files.js';
import { appendAudit } from '../audit/log.js';
import type { AuditRecord } from '../audit/record.js';
import { isShimError } from '../errors.js';
import { auditBaseFile, pathsOf } from '../commands/session-start.js';
import type { Reporter } from '../report.js';

/** A call's App and what the command said: stdout (JSON when asked with json) and its messages. */
export interface Call {
  app: App;
  stdout(): string;
  messages: string[];
}

/** An App for one call in `cwd`; nothing it says reaches the server's terminal but its warnings. */
export function callIn(server: App, cwd: string): Call {
  let out = '';
  const messages: string[] = [];
  const reporter: Reporter = {
    info: (m) => messages.push(m),
    warn: (m) => messages.push(`warning: ${m}`),
    error: (m, hint) => messages.push(`error: ${m}${hint ? ` (${hint})` : ''}`),
    raw: (t) => messages.push(t.trimEnd()),
  };
  const app = createApp({ ...server.host, cwd, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false }, reporter, (t) => (out += t));
  return { app, stdout: () => out, messages };
}

/** Runs a command that prints JSON (its --json form) and returns the JSON. */
export async function jsonOf<T>(call: Call, command: () => number | Promise<number>): Promise<T> {
  const status = await command();
  const text = call.stdout();
  if (!text.trim()) throw new Error(`the command printed nothing (exit ${status}): ${call.messages.join('; ')}`);
  return JSON.parse(text) as T;
}

export interface ActionTarget {
  name: string;
  target: string;
  /** The session acted on: its record's run fields go into the action's record. */
  session?: string;
  tool?: string;
  cwd: string;
}

/** Runs an action of the page and records it (via "web"), whether it worked or not. */
export async function recordedAction<T>(server: App, what: ActionTarget, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const record = (ok: boolean, error?: string, exitCode = 0) =>
    appendAudit(
      server.paths.stateDir,
      { ...actionBase(server, what), time: new Date(started).toISOString(), durationMs: Date.now() - started, exitCode, action: { name: what.name, target: what.target, ok, ...(error ? { error } : {}) } },
      (m) => server.reporter.warn(m),
    );
  try {
    const result = await action();
    record(true);
    return result;
  } catch (e) {
    record(false, e instanceof Error ? e.message : String(e), isShimError(e) ? e.exitCode : 125);
    throw e;
  }
}

/** The record an action starts from: its session's run record (names only) when it has one, else one
 *  with the run fields empty. */
function actionBase(server: App, what: ActionTarget): AuditRecord {
  const empty: AuditRecord = {
    time: '',
    tool: what.tool ?? '',
    spec: '',
    version: '',
    runtime: 'podman',
    via: 'web',
    policyHash: '',
    cwd: what.cwd,
    mounts: [],
    env: [],
    network: 'none',
    egress: [],
    exitCode: 0,
    signal: null,
    durationMs: 0,
    limitsHit: [],
  };
  if (!what.session) return empty;
  try {
    const saved = JSON.parse(fs.readFileSync(auditBaseFile(pathsOf(server, what.session)), 'utf8')) as AuditRecord;
    const { session: _session, warnings: _warnings, ...rest } = saved;
    return { ...rest, via: 'web', cwd: what.cwd, egress: [], signal: null, limitsHit: [] };
  } catch {
    return empty;
  }
}
