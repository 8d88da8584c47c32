// The page's worktree routes: a worktree session's diff, and apply, apply as a branch, discard.
// Wired to the worktree commands once they exist (branch `worktrees`); until then each answers 501.
import type { App } from '../app/with-config-files.js';
import { HttpError, NAME, type Route } from './router.js';

export function worktreeRoutes(_server: App): Route[] {
  const missing = async (): Promise<never> => {
    throw new HttpError(501, 'worktree sessions are not in this build of shim');
  };
  return [
    { method: 'GET', path: new RegExp(`^/api/sessions/${NAME}/diff$`), handler: missing },
    { method: 'POST', path: new RegExp(`^/api/sessions/${NAME}/(apply|apply-branch|discard)$`), handler: missing },
  ];
}
