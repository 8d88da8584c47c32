// `shim ps` and `shim stop NAME…` with sessions: sessions (running, paused, or ended with their log
// still kept) listed beside the warm containers, and names that are sessions stopped as sessions.
import type { App } from '../app/app.js';
import { resolveTool } from '../config/merge.js';
import { runCaptured } from '../runtime/exec.js';
import { readSessionInfo, sessionNames, supervisorAlive } from '../session/store.js';
import { listWarm, psCommand, stopCommand } from './warm.js';
import { noSuchSession, pathsOf, sessionStatus } from './session-start.js';
import { stopSessions } from './session.js';
import { ago, formatTable } from './table.js';
import { formatSessionPorts } from '../plan/port-forward.js';
import type { Attention } from '../session/attention.js';
import { worktreeDiff } from './worktree-diff.js';

export interface SessionRow {
  name: string;
  tool: string;
  project: string;
  /** running, paused, exited (with its status in `exit`), lost (its supervisor died without a record of
   *  the end) or unknown (its supervisor runs but does not answer). */
  state: string;
  startedAt: string;
  clients: number;
  container: string;
  exit: { status: number; endedAt: string; reason?: string } | null;
  /** The run id (`shim snapshot restore` takes it) and the snapshots taken before the session. */
  runId: string;
  snapshots: string[];
  /** The tool rang the bell or sent a notification, and no terminal attached nor input came since. */
  attention: Attention | null;
  /** A worktree session's branch (shim/NAME), else null. */
  branch: string | null;
  /** How many files a worktree session changed (null for others, or when its copy is gone). */
  changed: number | null;
  /** Whether its changes were applied as they are now (worktree sessions). */
  applied: boolean;
  /** How many times its tool was run again ("restart", shim restart). */
  restarts: number;
  /** The ports forwarded while it runs, and where each is on the host (none once it ended). */
  ports: { container: number; url: string }[];
  /** What shim warned of after its tool's runs (a git repository it made…). */
  warnings: string[];
}

/** How many files a worktree session changed, and whether that is applied; undefined once discarded. */
async function worktreeSummary(app: App, name: string): Promise<{ changed: number; applied: boolean } | undefined> {
  try {
    const diff = await worktreeDiff(app, name, { stat: true });
    return { changed: diff.files.length, applied: diff.applied !== null };
  } catch {
    return undefined;
  }
}

/** What the STATE column says: the state, an exit, restarts, and unapplied work of a worktree session. */
function stateText(s: SessionRow): string {
  const base = s.exit ? `exited ${s.exit.status}` : s.state;
  const restarts = s.restarts ? ` (${s.restarts} restart${s.restarts === 1 ? '' : 's'})` : '';
  const unapplied = s.exit && s.changed && !s.applied ? ', unapplied' : '';
  return `${base}${restarts}${unapplied}`;
}

/** Every session with a record: a running one as its supervisor and runtime describe it. */
export async function listSessions(app: App): Promise<SessionRow[]> {
  const rows = await Promise.all(
    sessionNames(app.paths.stateDir).map(async (name): Promise<SessionRow | undefined> => {
      const live = await sessionStatus(app, name);
      const info = live ?? readSessionInfo(pathsOf(app, name).meta);
      if (!info) return undefined;
      // a record without an end: its supervisor runs but does not answer (unknown), or it died (killed),
      // and its container with it (lost: how the tool ended is not known)
      const alive = !live && !info.exit && supervisorAlive(info);
      const state = live ? 'running' : alive ? 'unknown' : info.exit ? 'exited' : 'lost';
      const exit = live || alive ? null : (info.exit ?? null);
      const work = info.worktree ? await worktreeSummary(app, name) : undefined;
      return { name, tool: info.tool, project: info.project, state, startedAt: info.startedAt, clients: live?.clients ?? 0, container: info.container, exit, runId: info.runId, snapshots: info.snapshots ?? [], branch: info.worktree?.branch ?? null, changed: work?.changed ?? null, applied: work?.applied ?? false, restarts: info.restarts ?? 0, ports: live ? (live.ports ?? []) : [], warnings: info.warnings ?? [], attention: live?.attention ?? null };
    }),
  );
  const found = rows.filter((r): r is SessionRow => Boolean(r));
  const live = found.filter((r) => r.state === 'running');
  if (live.length) {
    // paused is the runtime's to say
    const runtime = app.runtime();
    const out = await runCaptured({ file: runtime.path, argv: ['inspect', '--format', '{{.Name}}\t{{.State.Status}}', ...live.map((r) => r.container)], env: app.runtimeEnv() });
    const states = new Map(out.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\//, '').split('\t') as [string, string]));
    for (const r of live) if (states.get(r.container) === 'paused') r.state = 'paused';
  }
  return found;
}

/** `shim ps [--json]`: sessions, then warm containers. */
export async function psAllCommand(app: App, options: { json?: boolean } = {}): Promise<number> {
  const sessions = await listSessions(app);
  if (options.json) {
    const containers = await listWarm(app);
    app.stdout(`${JSON.stringify({ runtime: app.runtime().name, sessions, containers }, null, 2)}\n`);
    return 0;
  }
  if (sessions.length) {
    const now = Date.now();
    const rows = [
      ['SESSION', 'TOOL', 'STATE', 'STARTED', 'ATTACHED', 'PORTS', 'SNAPSHOT', 'BRANCH', 'CHANGED', 'NEEDS YOU', 'PROJECT'],
      ...sessions.map((s) => [s.name, s.tool, stateText(s), ago(s.startedAt, now), String(s.clients), formatSessionPorts(s.ports), s.snapshots.length ? s.snapshots.join(',') : '-', s.branch ?? '-', s.changed === null ? '-' : String(s.changed), formatAttention(s.attention), s.project]),
    ];
    app.stdout(`${formatTable(rows)}\n`);
  } else app.reporter.info('no sessions');
  return psCommand(app, {});
}

/** The NEEDS YOU cell: the notification's text (cut), "bell", or "-". */
function formatAttention(a: Attention | null): string {
  if (!a) return '-';
  if (!a.text) return 'bell';
  return JSON.stringify(a.text.length > 30 ? `${a.text.slice(0, 29)}…` : a.text);
}

/** `shim stop [NAME…]`: sessions by name; other names are tools whose warm containers stop; no name
 *  stops every warm container (sessions only ever stop by name). */
export async function stopAllCommand(app: App, names: readonly string[]): Promise<number> {
  const rest = await stopSessions(app, names);
  for (const name of rest) {
    try {
      resolveTool(name, app.config(), app.paths.configDir);
    } catch {
      throw await noSuchSession(app, name);
    }
  }
  if (names.length && !rest.length) return 0;
  return stopCommand(app, rest);
}
