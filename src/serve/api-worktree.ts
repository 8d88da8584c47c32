// The page's worktree routes: what a worktree session changed (its files, then the patch), and apply,
// apply as a branch, discard: the functions behind `shim diff`, `shim apply [--branch]` and `shim
// discard`, each action recorded via "web". Apply names the tree of the diff the page displayed (`tree` in
// the POST body) and is refused when the copy changed since.
import type { App } from '../app/with-config-files.js';
import { worktreeDiff } from '../commands/worktree-diff.js';
import { applyWorktree, applyWorktreeBranch, discardWorktree } from '../commands/worktree-apply.js';
import { callIn, recordedAction } from './calls.js';
import { NAME, field, type Route } from './router.js';

/** Largest patch sent to the page (the files are listed whatever its size). */
const MAX_PATCH = 2 * 1024 * 1024;

export function worktreeRoutes(server: App): Route[] {
  // apply and apply-branch name the tree of the diff the page showed: only that is applied
  const actions = {
    apply: (app: App, name: string, body: Record<string, unknown>) => applyWorktree(app, name, { tree: field(body, 'tree') }),
    'apply-branch': (app: App, name: string, body: Record<string, unknown>) => applyWorktreeBranch(app, name, { tree: field(body, 'tree') }),
    discard: (app: App, name: string) => discardWorktree(app, name),
  } as const;
  return [
    {
      method: 'GET',
      path: new RegExp(`^/api/sessions/${NAME}/diff$`),
      handler: async ({ params: [name] }) => {
        const diff = await worktreeDiff(callIn(server, server.host.cwd).app, name!);
        return diff.patch.length > MAX_PATCH ? { ...diff, patch: `${diff.patch.slice(0, MAX_PATCH)}\n… (cut: see shim diff ${name})\n` } : diff;
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/api/sessions/${NAME}/(apply|apply-branch|discard)$`),
      handler: async ({ params: [name, what], body }) => {
        const call = callIn(server, server.host.cwd);
        const action = actions[what as keyof typeof actions];
        return recordedAction(server, { name: what!, target: name!, session: name!, cwd: server.host.cwd }, async () => ({ ok: true, result: await action(call.app, name!, body) }));
      },
    },
  ];
}
