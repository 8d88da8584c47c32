// What a session's supervisor is handed on its stdin by the shim that starts it (session-start.ts): the
// planned run and everything it needs to hold the session until the tool ends. It decides nothing.
import type { AuditRecord } from '../audit/record.js';
import type { ProxyPlan } from '../plan/egress.js';
import type { PortForwardPlan } from '../plan/port-forward.js';
import type { SessionPaths } from '../plan/session.js';
import type { Command, SignalPlan } from '../runtime/exec.js';
import type { RuntimeInfo } from '../host.js';
import type { RunWatch } from '../snapshot/after-run.js';
import type { SessionInfo } from './protocol.js';
import type { RestartPolicy } from './restart.js';

export interface SessionSpec {
  info: Omit<SessionInfo, 'pid' | 'pidStart' | 'clients' | 'exit'>;
  paths: SessionPaths;
  command: Command;
  signals: SignalPlan;
  timeoutMs?: number;
  stopGraceMs: number;
  scrollbackBytes: number;
  logBytes: number;
  proxy?: ProxyPlan;
  /** The TCP ports the supervisor forwards to the container while it runs (plan/port-forward.ts). */
  portForward?: PortForwardPlan;
  /** The user's home (the egress proxy reads brokered credentials' files relative to it). */
  home: string;
  stateDir: string;
  /** The terminal size the tool starts with (the starting terminal's, else 80×24). */
  cols: number;
  rows: number;
  /** The session's audit record, less its outcome: each event is this with `session` set. */
  audit: AuditRecord;
  /** The runtime (to ask it whether a 137 was an out-of-memory kill), and the memory limit if any. */
  runtime: RuntimeInfo;
  memory?: string;
  /** Run the tool again after it exits (session/restart.ts). */
  restart?: RestartPolicy;
  /** What the checks after each run of the tool compare with (snapshot/after-run.ts). */
  watch: RunWatch;
}
