// The page's other routes: the configured tools, the egress refusals (`shim suggest`) with allow for one
// host (`shim allow`, with its own refusals of what may not be allowed), and the audit log.
import type { App } from '../app/with-config-files.js';
import { collectTools } from '../commands/list.js';
import { suggestCommand } from '../commands/egress-suggest.js';
import { allowCommand } from '../commands/egress-allow.js';
import { logCommand } from '../commands/log.js';
import type { AuditRecord } from '../audit/record.js';
import { callIn, jsonOf, recordedAction } from './calls.js';
import { HttpError, field, type Route } from './router.js';

/** Most audit records one answer carries (the newest). */
const AUDIT_LIMIT = 300;

export function otherRoutes(server: App): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/api\/tools$/,
      handler: async () => {
        const { app } = callIn(server, server.host.cwd);
        return { tools: collectTools(app).map((t) => ({ name: t.name, spec: t.spec, network: t.network, installed: t.installed, error: t.error })) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/refusals$/,
      handler: async ({ query }) => {
        const { app } = callIn(server, server.host.cwd);
        const tools = collectTools(app).filter((t) => !t.error);
        const since = query.get('since') ?? undefined;
        const out = [];
        for (const t of tools) {
          const call = callIn(server, server.host.cwd);
          const report = await jsonOf<{ refusals: unknown[]; add: string[]; command: string | null; notes: string[]; network: string }>(call, () =>
            suggestCommand(call.app, t.name, { json: true, ...(since ? { since } : {}) }),
          );
          if (report.refusals.length) out.push({ tool: t.name, ...report });
        }
        return { refusals: out };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/allow$/,
      handler: async ({ body }) => {
        const tool = field(body, 'tool');
        const host = field(body, 'host');
        const call = callIn(server, server.host.cwd);
        return recordedAction(server, { name: 'allow', target: `${tool} ${host}`, tool, cwd: server.host.cwd }, async () => ({
          ok: true,
          result: await jsonOf<unknown>(call, () => allowCommand(call.app, tool, [host], { json: true })),
        }));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/audit$/,
      handler: async ({ query }) => {
        const tool = query.get('tool') || undefined;
        const since = query.get('since') || undefined;
        if (tool !== undefined && tool.length > 200) throw new HttpError(400, 'tool name too long');
        const call = callIn(server, server.host.cwd);
        const records = await jsonOf<AuditRecord[]>(call, () => logCommand(call.app, { json: true, ...(tool ? { tool } : {}), ...(since ? { since } : {}) }));
        return { records: records.slice(-AUDIT_LIMIT).reverse(), total: records.length };
      },
    },
  ];
}
