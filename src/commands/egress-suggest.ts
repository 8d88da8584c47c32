// `shim suggest <tool> [--since D] [--json]`: the tool's refused requests in the audit log and the
// smallest allow-list change that would have let them through. stdout holds the result: the exact
// drop-in `shim allow` would write (or, with --json, everything as one object); the table of
// refusals and the command to apply it go to stderr, as shim's other messages do.
import type { App } from '../app/with-config-files.js';
import { auditLogPath } from '../audit/log.js';
import { parseSince, readAudit } from '../audit/query.js';
import { dropInStale, planAllowDropIn } from '../plan/allow-drop-in.js';
import { buildEgressSuggestion, type Refusal, type Unreachable } from '../plan/egress-suggest.js';
import { loadAllowState, type AllowState } from './allow-state.js';
import { formatTime } from './log.js';

export interface SuggestOptions {
  since?: string;
  json?: boolean;
}

/** Default window of `--since`: refusals older than this are rarely what a user is fixing now. */
export const SUGGEST_DEFAULT_SINCE = '7d';

export function suggestCommand(app: App, tool: string, options: SuggestOptions): number {
  const sinceText = options.since ?? SUGGEST_DEFAULT_SINCE;
  const since = parseSince(sinceText);
  const state = loadAllowState(app, tool);
  const audit = readAudit(app.paths.stateDir, { tool, since });
  for (const { file, reason } of audit.unreadable) app.reporter.warn(`could not read ${file} (${reason})`);
  if (audit.malformed) app.reporter.warn(`skipped ${audit.malformed} malformed line(s) in the audit log (${auditLogPath(app.paths.stateDir)})`);
  const suggestion = buildEgressSuggestion(tool, audit.records, state.effective);
  const canAllow = state.network === 'allowlist' && !state.overriddenBy;
  const plan = suggestion.add.length && canAllow ? planAllowDropIn({ tool, base: state.base, hosts: suggestion.add, label: state.label, ...(state.existing ? { existing: state.existing } : {}) }) : undefined;
  const command = suggestion.add.length ? `shim allow ${tool} ${suggestion.add.join(' ')}` : null;

  if (options.json) {
    const report = {
      tool,
      since: since.toISOString(),
      runs: audit.records.length,
      network: state.network,
      refusals: suggestion.refusals,
      add: suggestion.add,
      unreachable: suggestion.unreachable,
      command: canAllow ? command : null,
      dropIn: plan ? { file: state.label, text: plan.text, allowedHosts: plan.allowedHosts } : null,
      notes: notes(state, suggestion.add.length > 0),
    };
    app.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const window = options.since === undefined ? `in the last ${SUGGEST_DEFAULT_SINCE} (--since for another window)` : `since ${formatTime(since.toISOString())}`;
  if (suggestion.unreachable.length) {
    app.reporter.raw(`allowed, but not reached by ${tool} ${window} (not an allow-list problem: adding hosts will not help):\n${formatUnreachable(suggestion.unreachable)}`);
  }
  if (!suggestion.refusals.length) {
    app.reporter.info(`no refused requests of ${tool} ${window}: ${audit.records.length} run(s) in the audit log, nothing to allow`);
    for (const note of notes(state, false)) app.reporter.info(note);
    return 0;
  }
  app.reporter.raw(`refused requests of ${tool} ${window}, ${audit.records.length} run(s) read:\n${formatRefusals(suggestion.refusals)}`);
  for (const note of notes(state, suggestion.add.length > 0)) app.reporter.warn(note);
  if (!suggestion.add.length) {
    app.reporter.info('nothing to add: every refused host is allowed now, cannot be listed, or is not a public host');
    return 0;
  }
  if (plan) {
    app.stdout(plan.text);
    app.reporter.info(`${state.label} would then hold the text above (${plan.allowedHosts.length} host(s)); apply it with:\n  ${command}`);
  }
  return 0;
}

/** Why a suggestion cannot be applied as it is, or what else the user should know. */
function notes(state: AllowState, adding: boolean): string[] {
  const out: string[] = [];
  if (state.network === 'none' && adding) {
    out.push(`${state.tool} has no allow-list now ("network": "none" [${state.networkOrigin}]), so shim allow refuses: to give it one, add "allowed_hosts" to its entry in your config.json`);
  }
  if (state.network === 'bridge') out.push(`${state.tool} has full network now ("network": "bridge" [${state.networkOrigin}]): nothing is refused while it stays so`);
  if (state.overriddenBy) out.push(`${state.overriddenBy} sets ${state.tool}'s allowed_hosts after ${state.label}, so a drop-in would not count: add the hosts there instead`);
  if (dropInStale(state.base, state.existing)) out.push(`${state.label} hides an edit of ${state.tool}'s allowed_hosts in your own files: run \`shim allow ${state.tool}\` to fold it in`);
  return out;
}

const STATUS: Record<Refusal['status'], (r: Refusal) => string> = {
  suggested: (r) => `add ${r.entry}`,
  'allowed-now': (r) => `allowed now by ${r.reason} (added since, or refused for its address: see shim log --json)`,
  'cannot-allow': (r) => `cannot be allowed: ${r.reason}`,
  'not-public': (r) => `not suggested: ${r.reason}, not the internet (shim allow refuses it without --force)`,
};

/** What to check for each kind of failure. */
const FAILURE_HINT: Record<string, string> = {
  resolve: 'the name does not resolve: check its spelling and this machine\'s DNS or network',
  connect: 'nothing accepted the connection: the service is down or a firewall blocks it',
  timeout: 'the connection timed out: the service or the network is slow or down',
  tls: 'TLS to it failed: its certificate is not trusted here (a network that re-signs TLS needs ca_bundle)',
  upstream: 'the host answered nothing usable',
};

/** The unreachable hosts as lines: host:port, requests, runs, last time, what to check. */
export function formatUnreachable(list: readonly Unreachable[]): string {
  return list
    .map((u) => {
      const hint = (u.failure && FAILURE_HINT[u.failure]) ?? 'see the reason';
      return `  ${u.host}:${u.port}  ${u.requests} request(s) in ${u.runs} run(s), last ${formatTime(u.lastFailed)}: ${hint}${u.reason ? `\n    (${u.reason})` : ''}\n`;
    })
    .join('');
}

/** The refusals as an aligned table: host:port, requests, runs, last refused (UTC), what to do. */
export function formatRefusals(refusals: readonly Refusal[]): string {
  const rows = [['HOST:PORT', 'REQUESTS', 'RUNS', 'LAST REFUSED', ''], ...refusals.map((r) => [`${r.host}:${r.port}`, String(r.requests), String(r.runs), formatTime(r.lastRefused), STATUS[r.status](r)])];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => `  ${row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd()}\n`).join('');
}

