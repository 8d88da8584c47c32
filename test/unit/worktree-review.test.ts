// shim apply applies what shim diff showed, nothing else: the agent rewriting its copy after the review
// (it runs on) gets a refusal and nothing written, by a plain apply, apply --branch and an apply naming
// the tree; the control applies exactly the reviewed content. No review at all is refused too.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';
import { fakeApp, git, makeCopy, makeUserRepo } from './worktree-helpers.js';
import { worktreeDiff } from '../../src/commands/worktree-diff.js';
import { applyWorktree, applyWorktreeBranch } from '../../src/commands/worktree-apply.js';

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile() && !path.relative(dir, full).startsWith('.git')) out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);

describe('apply after review', () => {
  it('refuses the copy changed after its diff was shown, writing nothing; the reviewed content applies (control)', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 'race');
    const app = fakeApp(state);
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), 'reviewed\n');
    const shown = await worktreeDiff(app, 'race', { record: true });
    expect(shown.patch).toContain('+reviewed');
    // the agent, still running, swaps the file after the review
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), 'swapped after the review\n');
    const before = files(project);
    for (const attempt of [() => applyWorktree(app, 'race'), () => applyWorktree(app, 'race', { tree: shown.tree }), () => applyWorktreeBranch(app, 'race'), () => applyWorktreeBranch(app, 'race', { tree: shown.tree })]) {
      const e = await refusal(attempt());
      expect(e?.message).toMatch(/changed since its diff was shown/);
      expect((e as { exitCode?: number }).exitCode).toBe(125);
    }
    expect(files(project)).toEqual(before);
    expect(git(project, 'branch', '--list', 'shim/race')).toBe('');
    expect(shown.tree).toMatch(/^[0-9a-f]{40}$/);
    // control: put back as reviewed, it applies exactly that
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), 'reviewed\n');
    const applied = await applyWorktree(app, 'race');
    expect(applied.files).toEqual(['r.txt']);
    expect(fs.readFileSync(path.join(project, 'r.txt'), 'utf8')).toBe('reviewed\n');
  });

  it('apply --branch refuses new commits after the review even with the same files; with none it brings the reviewed work (control)', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 'commits');
    const app = fakeApp(state);
    fs.writeFileSync(path.join(paths.treeGit, 'objects/info/alternates'), `${path.join(project, '.git/objects')}\n`);
    fs.writeFileSync(path.join(paths.tree, 'w.txt'), 'work\n');
    await worktreeDiff(app, 'commits', { record: true });
    git(paths.tree, 'add', 'w.txt');
    git(paths.tree, 'commit', '-q', '-m', 'a commit nobody reviewed');
    expect((await refusal(applyWorktreeBranch(app, 'commits')))?.message).toMatch(/the branch shim\/commits \(its commits\) changed since its diff was shown/);
    expect(git(project, 'branch', '--list', 'shim/commits')).toBe('');
    await worktreeDiff(app, 'commits', { record: true });
    const r = await applyWorktreeBranch(app, 'commits');
    expect(git(project, 'log', '-1', '--format=%s', r.tip)).toBe('a commit nobody reviewed\n');
    expect(git(project, 'show', 'shim/commits:w.txt')).toBe('work\n');
  });

  it('refuses an apply with no diff shown and a malformed --tree, naming what to do', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 'unseen');
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), 'never shown\n');
    const before = files(project);
    expect((await refusal(applyWorktree(fakeApp(state), 'unseen')))?.message).toMatch(/no diff of session unseen was shown yet/);
    expect((await refusal(applyWorktreeBranch(fakeApp(state), 'unseen')))?.message).toMatch(/no diff of session unseen was shown yet/);
    expect((await refusal(applyWorktree(fakeApp(state), 'unseen', { tree: 'HEAD' })))?.message).toMatch(/not a tree id of this session/);
    expect(files(project)).toEqual(before);
    expect(git(project, 'branch', '--list', 'shim/unseen')).toBe('');
  });
});
