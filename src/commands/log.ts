// `shim log [--tool T] [--since 1h] [--json]`: past runs from the audit log, oldest first. Human output
// is one aligned line per run; --json prints the records themselves as a JSON array.
import type { App } from '../app/with-config-files.js';
import { auditLogPath } from '../audit/log.js';
import { parseSince, readAudit } from '../audit/query.js';
import type { AuditEgress, AuditRecord } from '../audit/record.js';

export interface LogOptions {
  tool?: string;
  since?: string;
  json?: boolean;
}

export function logCommand(app: App, options: LogOptions): number {
  const since = options.since !== undefined ? parseSince(options.since) : undefined;
  const stateDir = app.paths.stateDir;
  const result = readAudit(stateDir, { tool: options.tool, since });
  for (const { file, reason } of result.unreadable) app.reporter.warn(`could not read ${file} (${reason})`);
  if (result.malformed) {
    app.reporter.warn(`skipped ${result.malformed} malformed ${result.malformed === 1 ? 'line' : 'lines'} in the audit log (${auditLogPath(stateDir)})`);
  }
  if (options.json) {
    app.stdout(`${JSON.stringify(result.records, null, 2)}\n`);
  } else if (result.records.length) {
    app.stdout(formatRuns(result.records));
  }
  if (!result.records.length) {
    if (!result.total) app.reporter.info(`no runs recorded yet in ${auditLogPath(stateDir)}`);
    else app.reporter.info(`no runs match ${describeFilter(options)} (${result.total} in the log)`);
  }
  return 0;
}

function describeFilter(options: LogOptions): string {
  const parts: string[] = [];
  if (options.tool !== undefined) parts.push(`--tool ${options.tool}`);
  if (options.since !== undefined) parts.push(`--since ${options.since}`);
  return parts.join(' ');
}

/** "allowlist (3 allowed, 1 denied, 2 unreachable; 1 credential echo masked)": the requests through
 *  the egress proxy, by outcome (unreachable and masked only when there were any). */
function formatNetwork(r: AuditRecord): string {
  if (r.network !== 'allowlist') return r.network;
  const count = (action: AuditEgress['action']) => r.egress.filter((e) => e.action === action).reduce((n, e) => n + (e.requests ?? 1), 0);
  const failed = count('fail');
  const masked = r.egress.reduce((n, e) => n + (e.redactions ?? 0), 0);
  return `allowlist (${count('allow')} allowed, ${count('deny')} denied${failed ? `, ${failed} unreachable` : ''}${masked ? `; ${masked} credential ${masked === 1 ? 'echo' : 'echoes'} masked` : ''})`;
}

/** What each kind of failure was, in a few words. */
const FAILURE_WORDS: Record<string, string> = {
  resolve: 'the name does not resolve',
  connect: 'the connection was refused',
  timeout: 'the connection timed out',
  tls: 'TLS to it failed',
  upstream: 'it gave no usable answer',
};

/** One indented line per host the run was allowed to reach but could not: not an allow-list problem. */
function formatUnreachable(r: AuditRecord): string {
  return r.egress
    .filter((e) => e.action === 'fail')
    .map((e) => `    unreachable ${e.host}:${e.port}: ${(e.failure && FAILURE_WORDS[e.failure]) ?? e.reason ?? 'it could not be reached'} (not the allow-list)\n`)
    .join('');
}

/** One line per run: time (UTC), tool and version, exit, duration, network, limits hit, cwd. */
export function formatRuns(records: readonly AuditRecord[]): string {
  const rows = records.map((r) => [
    formatTime(r.time),
    `${r.tool} ${r.version}`,
    // a session's events other than its end have no outcome of their own; nor has an action from the page
    r.action ? `web: ${r.action.name} ${r.action.target}${r.action.ok ? '' : ' (failed)'}` : r.session && r.session.event !== 'end' ? `session ${r.session.name}: ${r.session.event}` : r.signal ? `exit ${r.exitCode} (${r.signal})` : `exit ${r.exitCode}`,
    r.action || (r.session && r.session.event !== 'end' && r.session.event !== 'shell') ? '' : formatDuration(r.durationMs),
    r.action ? '' : r.warm ? `${formatNetwork(r)}, warm` : r.session?.event === 'end' ? `${formatNetwork(r)}, session ${r.session.name}` : formatNetwork(r),
    r.limitsHit.length ? `limits: ${r.limitsHit.join(',')}` : '',
    r.snapshots?.length ? `snapshot ${r.snapshots.join(',')}` : '',
    r.cwd,
  ]);
  // a column no run has anything in (usually "limits") takes no space at all
  const columns = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => rows.some((row) => row[i]));
  const widths = columns.map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const last = columns.length - 1;
  return rows
    .map((row, n) =>
      columns
        .map((i, k) => {
          const cell = row[i]!;
          if (k === last) return cell;
          return i === 3 ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!);
        })
        .join('  ')
        .trimEnd() + `\n${formatUnreachable(records[n]!)}`,
    )
    .join('');
}

/** ISO time in UTC to the second: 2026-11-23T17:00:00Z. */
export function formatTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 850ms, 1.2s, 59.9s, 2m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (ms < 0 || !Number.isFinite(ms)) return '?';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
