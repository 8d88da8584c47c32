// A user's git repository with committed, uncommitted, untracked and ignored files, a copy made of it as
// a worktree session would get it, and a minimal App for the worktree command functions (real git, no
// runtime: the container side is in test/e2e/worktree-cases.ts).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { App } from '../../src/app/app.js';
import { chooseSharedDirs, worktreePaths } from '../../src/worktree/plan.js';
import { createWorktree, gatherUserRepoFacts } from '../../src/worktree/create.js';

export const GIT_ID = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

/** Runs plain git (as a user or an agent would) in `cwd`. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ID }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A repository at `<root>/project`: a.txt and lib/b.txt committed, a.txt edited (uncommitted), new.txt
 *  untracked, node_modules/ and .env ignored. */
export function makeUserRepo(root: string): string {
  const project = path.join(root, 'project');
  fs.mkdirSync(path.join(project, 'lib'), { recursive: true });
  git(project, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(project, 'a.txt'), 'one\n');
  fs.writeFileSync(path.join(project, 'lib', 'b.txt'), 'bee\n');
  fs.writeFileSync(path.join(project, '.gitignore'), 'node_modules/\n.env\n');
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'first');
  fs.writeFileSync(path.join(project, 'a.txt'), 'one\nuncommitted\n');
  fs.writeFileSync(path.join(project, 'new.txt'), 'untracked\n');
  fs.mkdirSync(path.join(project, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(project, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  fs.writeFileSync(path.join(project, '.env'), 'SECRET=1\n');
  return fs.realpathSync(project);
}

/** The App the worktree command functions need (state dir, host env, outputs). */
export function fakeApp(stateDir: string, out: string[] = []): App {
  return {
    paths: { stateDir },
    host: { env: process.env, uid: process.getuid!(), cwd: stateDir },
    stdout: (t: string) => out.push(t),
    reporter: { info: () => {}, warn: () => {}, error: () => {} },
  } as unknown as App;
}

/** Makes the copy of `project` for session `name` as `shim run --worktree` does before its container. */
export async function makeCopy(stateDir: string, project: string, name: string) {
  fs.mkdirSync(stateDir, { recursive: true });
  const facts = await gatherUserRepoFacts(project, process.env, fs.mkdtempSync(path.join(stateDir, 'facts-')));
  const paths = worktreePaths(stateDir, name);
  const meta = await createWorktree(paths, name, facts, chooseSharedDirs(facts.ignored, () => false).dirs, process.env, new Date());
  return { paths, meta, facts };
}
