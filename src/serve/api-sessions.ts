// The page's session routes: the list (attention first), start, stop, pause, resume, restart, and the
// snapshots taken before a session with their diff against now and restore. Each calls the command
// function the CLI calls; each action is recorded via "web".
import path from 'node:path';
import fs from 'node:fs';
import type { App } from '../app/with-config-files.js';
import { listSessions, type SessionRow } from '../commands/session-ps.js';
import { pathsOf, startSession } from '../commands/session-start.js';
import { stopSessions } from '../commands/session.js';
import { pauseCommand } from '../commands/pause.js';
import { restartSession } from '../commands/session-restart.js';
import { snapshotDiffCommand, snapshotListCommand, snapshotRestoreCommand } from '../commands/snapshot.js';
import { readSessionInfo } from '../session/store.js';
import { callIn, jsonOf, recordedAction } from './calls.js';
import { HttpError, NAME, field, type Route } from './router.js';

/** The terminal size a session started from the page gets (the page resizes it once attached). */
const START_SIZE = { cols: 120, rows: 32 };

/** Sessions that want their user first, then running, paused, and the rest; newest first within. */
export function orderSessions(rows: readonly SessionRow[]): SessionRow[] {
  const rank = (r: SessionRow) => (r.attention ? 0 : r.state === 'running' ? 1 : r.state === 'paused' ? 2 : 3);
  return [...rows].sort((a, b) => rank(a) - rank(b) || b.startedAt.localeCompare(a.startedAt));
}

/** The recorded session called `name`, or a 404. */
export function sessionRecord(server: App, name: string) {
  const info = readSessionInfo(pathsOf(server, name).meta);
  if (!info) throw new HttpError(404, `no session named ${JSON.stringify(name)}`);
  return info;
}

export function sessionRoutes(server: App): Route[] {
  const act = (name: string, session: string, run: (app: App) => Promise<unknown>) => {
    const info = sessionRecord(server, session);
    const call = callIn(server, info.cwd);
    return recordedAction(server, { name, target: session, session, tool: info.tool, cwd: info.cwd }, async () => {
      await run(call.app);
      return { ok: true, messages: call.messages };
    });
  };
  return [
    {
      method: 'GET',
      path: /^\/api\/sessions$/,
      handler: async () => ({ sessions: orderSessions(await listSessions(callIn(server, server.host.cwd).app)) }),
    },
    {
      method: 'POST',
      path: /^\/api\/sessions$/,
      handler: async ({ body }) => {
        const tool = field(body, 'tool');
        const name = field(body, 'name');
        const project = field(body, 'project');
        const args = Array.isArray(body.args) && body.args.every((a) => typeof a === 'string') ? (body.args as string[]) : [];
        if (!path.isAbsolute(project) || !fs.statSync(project, { throwIfNoEntry: false })?.isDirectory()) throw new HttpError(400, `the project ${JSON.stringify(project)} is not an absolute path of a directory`);
        const call = callIn(server, project);
        return recordedAction(server, { name: 'start', target: name, tool, cwd: project }, async () => {
          const info = await startSession(call.app, tool, args, { name, via: 'web', size: START_SIZE });
          return { ok: true, session: info.name, messages: call.messages };
        });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/api/sessions/${NAME}/stop$`),
      handler: ({ params: [name] }) => act('stop', name!, (app) => stopSessions(app, [name!])),
    },
    ...(['pause', 'resume'] as const).map(
      (action): Route => ({
        method: 'POST',
        path: new RegExp(`^/api/sessions/${NAME}/${action}$`),
        handler: ({ params: [name] }) => act(action, name!, (app) => pauseCommand(app, action, name!, { json: true })),
      }),
    ),
    {
      method: 'POST',
      path: new RegExp(`^/api/sessions/${NAME}/restart$`),
      handler: ({ params: [name] }) =>
        act('restart', name!, async (app) => {
          // a running session's tool is run again by its supervisor (shim restart); an ended one starts anew
          const row = (await listSessions(app)).find((r) => r.name === name);
          if (row?.state === 'running' || row?.state === 'paused') return restartSession(app, name!);
          const info = sessionRecord(server, name!);
          return startSession(app, info.tool, info.args ?? [], { name: name!, via: 'web', size: START_SIZE, ...(info.worktree ? { worktree: true } : {}) });
        }),
    },
    {
      method: 'GET',
      path: new RegExp(`^/api/sessions/${NAME}/snapshots$`),
      handler: async ({ params: [name] }) => {
        const info = sessionRecord(server, name!);
        const ids = info.snapshots ?? [];
        if (!ids.length) return { snapshots: [] };
        const list = callIn(server, info.cwd);
        const summaries = await jsonOf<{ id: string; root: string; createdAt: string; files: number; name?: string }[]>(list, () => snapshotListCommand(list.app, { json: true }));
        const snapshots = [];
        for (const id of ids) {
          const call = callIn(server, info.cwd);
          const diff = await jsonOf<Record<string, unknown>>(call, () => snapshotDiffCommand(call.app, id, { json: true }));
          snapshots.push({ ...summaries.find((s) => s.id === id), ...diff });
        }
        return { snapshots };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/snapshots\/(\d{8}-\d{6}-[0-9a-f]{6})\/restore$/,
      handler: async ({ params: [id] }) => {
        const call = callIn(server, server.host.cwd);
        return recordedAction(server, { name: 'restore', target: id!, cwd: server.host.cwd }, async () => ({
          ok: true,
          restored: await jsonOf<unknown>(call, () => snapshotRestoreCommand(call.app, id!, { json: true })),
        }));
      },
    },
  ];
}
