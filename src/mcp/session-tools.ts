// MCP tools for sessions: an orchestrating agent starts a long-lived tool (session_start), types into
// its terminal (session_send), reads what it shows (session_read) and ends it (session_stop). The
// sessions are the CLI's (`shim ps`, `shim attach` see them) and outlive the MCP server.
import fs from 'node:fs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { App } from '../app/with-config-files.js';
import { checkToolName } from '../commands/run.js';
import { checkSessionName, noSuchSession, pathsOf, sessionStatus, startSession } from '../commands/session-start.js';
import { requestSession } from '../session/client.js';
import type { ReadReply, SessionInfo } from '../session/protocol.js';
import { listSessions } from '../commands/session-ps.js';
import { readSessionInfo } from '../session/store.js';
import { plainText } from '../session/plain-text.js';
import { SCROLLBACK_BYTES } from '../plan/session.js';
import { UsageError } from '../errors.js';
import { isInside } from './tools.js';
import { worktreeDiff } from '../commands/worktree-diff.js';

type Guard = <A>(handler: (args: A, cancelled: AbortSignal) => Promise<CallToolResult>) => (args: A, extra: { signal: AbortSignal }) => Promise<CallToolResult>;

export interface SessionToolContext {
  root: string;
  appIn: (cwd: string) => App;
  callCwd: (cwd: string | undefined) => string;
  guarded: Guard;
  text: (value: unknown, isError?: boolean) => CallToolResult;
}

export function registerSessionTools(server: McpServer, ctx: SessionToolContext): void {
  const { guarded, text } = ctx;
  /** The app and places of a session this server may drive: one whose project lies inside its root
   *  (an agent confined to one project must not type into another project's session). */
  const reachable = async (session: string) => {
    const app = ctx.appIn(ctx.root);
    checkSessionName(session);
    const paths = pathsOf(app, session);
    const info = readSessionInfo(paths.meta);
    if (!info) throw await noSuchSession(app, session);
    if (!isInside(ctx.root, info.project)) throw new UsageError(`the session ${session} belongs to ${info.project}, outside this server's root ${ctx.root}`, 'drive it from a server whose --root holds its project, or from the CLI');
    return { app, paths, info };
  };
  const name = z.string().describe('session name (shim ps lists them)');

  server.registerTool(
    'session_start',
    {
      description:
        'Starts a configured tool as a session: it runs with a terminal in its container (the same policy as run_tool) and keeps running ' +
        'after this call, and after the MCP server ends, until session_stop, its own exit or its timeout. Drive it with session_send and ' +
        'session_read; a user can attach to it with `shim attach NAME`. Returns {name, tool, container, started_at}.',
      inputSchema: {
        tool: z.string().describe('name of a configured tool'),
        args: z.array(z.string()).default([]).describe('arguments passed to the tool unchanged'),
        name: z.string().optional().describe('session name (default: <tool>-<random>)'),
        cwd: z.string().optional().describe(`working directory on the host, inside the server's root ${ctx.root}`),
        cols: z.number().int().min(20).max(500).optional().describe('terminal width (default 120)'),
        rows: z.number().int().min(5).max(200).optional().describe('terminal height (default 40)'),
        worktree: z.boolean().optional().describe('work on a copy of the project of its own, on git branch shim/NAME; see session_diff (the user applies or discards it with shim apply / shim discard)'),
      },
      annotations: { destructiveHint: true, openWorldHint: false },
    },
    guarded(async ({ tool, args, name: wanted, cwd, cols, rows, worktree }) => {
      checkToolName(tool);
      const app = ctx.appIn(ctx.callCwd(cwd));
      const sessionName = wanted ?? `${tool}-${Math.random().toString(36).slice(2, 8)}`.slice(-64);
      checkSessionName(sessionName);
      const info = await startSession(app, tool, args ?? [], { name: sessionName, via: 'mcp', size: { cols: cols ?? 120, rows: rows ?? 40 }, ...(worktree ? { worktree: true } : {}) });
      return text({ name: info.name, tool: info.tool, container: info.container, started_at: info.startedAt, branch: info.worktree?.branch ?? null });
    }),
  );

  server.registerTool(
    'session_send',
    {
      description: 'Types text into a session\'s terminal, as keys would ("\\r" is Enter, "\\u0003" is Ctrl-C). enter: true adds an Enter. Returns {written}.',
      inputSchema: { name, text: z.string().describe('what to type'), enter: z.boolean().optional().describe('press Enter after the text') },
      annotations: { destructiveHint: true, openWorldHint: false },
    },
    guarded(async ({ name: session, text: typed, enter }) => {
      const { app, paths } = await reachable(session);
      const data = Buffer.from(`${typed}${enter ? '\r' : ''}`, 'utf8').toString('base64');
      const reply = await requestSession<{ written: number }>(paths.socket, { mode: 'send', data });
      if (!reply) throw await noSuchSession(app, session);
      return text(reply);
    }),
  );

  server.registerTool(
    'session_read',
    {
      description:
        'Reads what a session\'s terminal showed: the output after `offset` (pass the previous call\'s `end` to get only what is new), ' +
        `at most max_bytes (default and at most ${SCROLLBACK_BYTES / 1024} KiB, the scrollback it keeps). Escape sequences are removed ` +
        'unless raw is true. Returns {output, offset, end, dropped, running, exit, attention}; for a session that ended, the end of its log. ' +
        'attention is {kind: "bell"|"notification", text?, since} when the tool rang the bell or sent a notification and no one typed since, else null.',
      inputSchema: {
        name,
        offset: z.number().int().min(0).optional(),
        max_bytes: z.number().int().min(1).max(SCROLLBACK_BYTES).optional(),
        raw: z.boolean().optional().describe('keep terminal escape sequences'),
      },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ name: session, offset, max_bytes, raw }) => {
      const { app, paths } = await reachable(session);
      const reply = await requestSession<ReadReply>(paths.socket, { mode: 'read', ...(offset !== undefined ? { offset } : {}), max: max_bytes ?? SCROLLBACK_BYTES });
      const show = (s: string) => (raw ? s : plainText(s));
      if (reply) {
        const attention = (await requestSession<SessionInfo>(paths.socket, { mode: 'status' }))?.attention ?? null;
        return text({ output: show(Buffer.from(reply.data, 'base64').toString('utf8')), offset: reply.offset, end: reply.end, dropped: reply.dropped, running: true, exit: null, attention });
      }
      const info = readSessionInfo(paths.meta);
      if (!info) throw await noSuchSession(app, session);
      const log = readTail(paths.log, max_bytes ?? SCROLLBACK_BYTES);
      return text({ output: show(log), offset: null, end: null, dropped: null, running: false, exit: info.exit ?? null, attention: null });
    }),
  );

  server.registerTool(
    'session_list',
    {
      description:
        "Lists the sessions of projects inside this server's root: {name, tool, project, state, started_at, clients, exit, attention}. " +
        'attention is {kind: "bell"|"notification", text?, since} for a session whose tool wants its user (it rang the bell or sent a ' +
        'notification, and no terminal attached nor input came since), else null: look at those first.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    guarded(async () => {
      const rows = (await listSessions(ctx.appIn(ctx.root))).filter((r) => isInside(ctx.root, r.project));
      return text(rows.map((r) => ({ name: r.name, tool: r.tool, project: r.project, state: r.state, started_at: r.startedAt, clients: r.clients, exit: r.exit, attention: r.attention })));
    }),
  );

  server.registerTool(
    'session_diff',
    {
      description:
        'What a worktree session (session_start with worktree: true) changed since it started: its commits on shim/NAME, its uncommitted ' +
        'edits and new files, while it runs or after. Returns {name, branch, head, tree, files: [{path, status, additions, deletions}], patch} (patch empty with stat: true); tree names what was shown (the user applies with shim apply --tree TREE).',
      inputSchema: { name, stat: z.boolean().optional().describe('only the files and their line counts') },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ name: session, stat }) => {
      const { app } = await reachable(session);
      return text(await worktreeDiff(app, session, { stat: Boolean(stat) }));
    }),
  );

  server.registerTool(
    'session_stop',
    {
      description: 'Ends a session: its tool gets SIGHUP and SIGTERM, and its container is killed 5 s later if still there. Returns {name, exit_code}.',
      inputSchema: { name },
      annotations: { destructiveHint: true, openWorldHint: false },
    },
    guarded(async ({ name: session }) => {
      const { app, paths } = await reachable(session);
      if (!(await sessionStatus(app, session))) throw await noSuchSession(app, session);
      const ended = await requestSession<{ status: number }>(paths.socket, { mode: 'stop' });
      return text({ name: session, exit_code: ended?.status ?? readSessionInfo(paths.meta)?.exit?.status ?? null });
    }),
  );
}

function readTail(file: string, max: number): string {
  try {
    const data = fs.readFileSync(file);
    return data.subarray(Math.max(0, data.length - max)).toString('utf8');
  } catch {
    return '';
  }
}
