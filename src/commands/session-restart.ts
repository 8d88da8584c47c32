// `shim restart NAME`: ends a running session's tool and runs it again at once, with the same plan (its
// container's flags, mounts and, for a worktree session, its copy).
import type { App } from '../app/app.js';
import { requestSession } from '../session/client.js';
import { checkSessionName, noSuchSession, pathsOf, sessionStatus } from './session-start.js';

export interface RestartResult {
  name: string;
  /** How many times the session's tool was run again, this restart included. */
  restarts: number;
}

/** Restarts the running session `name`'s tool; resolves once it runs again. */
export async function restartSession(app: App, name: string): Promise<RestartResult> {
  checkSessionName(name);
  if (!(await sessionStatus(app, name))) throw await noSuchSession(app, name);
  const reply = await requestSession<{ restarts: number }>(pathsOf(app, name).socket, { mode: 'restart' });
  if (!reply) throw await noSuchSession(app, name);
  return { name, restarts: reply.restarts };
}

/** `shim restart NAME [--json]`. */
export async function restartCommand(app: App, name: string, options: { json?: boolean }): Promise<number> {
  const result = await restartSession(app, name);
  if (options.json) app.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else app.reporter.info(`restarted session ${name} (restart ${result.restarts})`);
  return 0;
}
