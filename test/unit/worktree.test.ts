// The copy of a worktree session and the diff / apply / apply --branch / discard command functions,
// against real git repositories (the agent's side played by plain git in the copy).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';
import { fakeApp, git, makeCopy, makeUserRepo } from './worktree-helpers.js';
import { worktreeDiff } from '../../src/commands/worktree-diff.js';
import { ApplyConflictError, applyWorktree, applyWorktreeBranch, discardWorktree } from '../../src/commands/worktree-apply.js';
import { WORKTREE_OBJECTS_DST } from '../../src/worktree/plan.js';
import { importObjects } from '../../src/worktree/import.js';

function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.git' && !rel) continue;
      if (e.isDirectory()) walk(r);
      else out[r] = e.isSymbolicLink() ? `-> ${fs.readlinkSync(path.join(dir, r))}` : fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('a worktree copy', () => {
  it('imports no objects through a .git/objects the agent swapped for a link to a host directory', async () => {
    const root = tempDir();
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(path.join(root, 'state'), project, 'link');
    const count = () => fs.readdirSync(path.join(paths.control, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(path.join(paths.control, 'objects', d))).length;
    // a host repository the agent should not be able to make shim read: one object of its own
    const host = path.join(root, 'host');
    git(root, 'init', '-q', host);
    fs.writeFileSync(path.join(host, 'secret.txt'), 'host only\n');
    const oid = git(host, 'hash-object', '-w', 'secret.txt').trim();
    const hostObject = path.join(paths.control, 'objects', oid.slice(0, 2), oid.slice(2));
    const before = count();
    fs.rmSync(path.join(paths.treeGit, 'objects'), { recursive: true });
    fs.symlinkSync(path.join(host, '.git', 'objects'), path.join(paths.treeGit, 'objects'));
    await importObjects(paths, process.env);
    expect(fs.existsSync(hostObject)).toBe(false);
    expect(count()).toBe(before);
    // control: the same objects as a real directory are imported
    fs.rmSync(path.join(paths.treeGit, 'objects'));
    fs.cpSync(path.join(host, '.git', 'objects'), path.join(paths.treeGit, 'objects'), { recursive: true });
    await importObjects(paths, process.env);
    expect(fs.existsSync(hostObject)).toBe(true);
  });

  it('starts from HEAD plus uncommitted and untracked files, on shim/NAME, without ignored files, sharing the objects', async () => {
    const root = tempDir();
    const project = makeUserRepo(root);
    const { paths, meta, facts } = await makeCopy(path.join(root, 'state'), project, 's1');
    expect(fs.readFileSync(path.join(paths.tree, 'a.txt'), 'utf8')).toBe('one\nuncommitted\n');
    expect(fs.readFileSync(path.join(paths.tree, 'new.txt'), 'utf8')).toBe('untracked\n');
    expect(fs.existsSync(path.join(paths.tree, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(paths.tree, '.env'))).toBe(false);
    expect(meta.shared).toEqual(['node_modules']);
    expect(meta.branch).toBe('shim/s1');
    expect(fs.readFileSync(path.join(paths.treeGit, 'HEAD'), 'utf8')).toBe('ref: refs/heads/shim/s1\n');
    expect(fs.readFileSync(path.join(paths.treeGit, 'objects/info/alternates'), 'utf8')).toBe(`${WORKTREE_OBJECTS_DST}\n`);
    // no object of the user's history was copied: only the start commit's new ones
    const loose = fs.readdirSync(path.join(paths.treeGit, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d));
    expect(loose.length).toBeLessThanOrEqual(4);
    expect(meta.base).toBe(git(project, 'rev-parse', 'HEAD').trim());
    expect(meta.start).not.toBe(meta.base);
    expect(facts.userObjects).toBe(path.join(project, '.git', 'objects'));
    expect((fs.statSync(paths.dir).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.dirname(paths.dir)).mode & 0o777).toString(8)).toBe('700');
    // the user's repository is as it was: same status, no new branch
    expect(git(project, 'status', '--porcelain')).toBe(' M a.txt\n?? new.txt\n');
    expect(git(project, 'branch', '--list')).toBe('* main\n');
  });

  it('leaves the user\'s index as it was, even when its file facts are stale (git diff would refresh and write it)', async () => {
    const root = tempDir();
    const project = makeUserRepo(root);
    // older modification times, same contents: the index's stat data no longer match (as after a chown -R,
    // a checkout by another tool, a backup restore)
    for (const f of ['.gitignore', 'lib/b.txt']) fs.utimesSync(path.join(project, f), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const index = fs.readFileSync(path.join(project, '.git', 'index'));
    await makeCopy(path.join(root, 'state'), project, 'idx');
    expect(fs.readFileSync(path.join(project, '.git', 'index')).equals(index)).toBe(true);
  });

  it('diff shows exactly the session\'s work: its commits, its edits and its new files', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 's2');
    // the agent, on its copy (with its copy's objects borrowed from the user's store by host path here)
    fs.writeFileSync(path.join(paths.treeGit, 'objects/info/alternates'), `${path.join(project, '.git/objects')}\n`);
    fs.writeFileSync(path.join(paths.tree, 'lib', 'b.txt'), 'bee\ncommitted by agent\n');
    git(paths.tree, 'commit', '-q', '-am', 'agent commit');
    fs.writeFileSync(path.join(paths.tree, 'agent-new.txt'), 'new file\n');
    fs.rmSync(path.join(paths.tree, 'new.txt'));
    const diff = await worktreeDiff(fakeApp(state), 's2');
    expect(diff.branch).toBe('shim/s2');
    expect(diff.files).toEqual([
      { path: 'agent-new.txt', status: 'added', additions: 1, deletions: 0 },
      { path: 'lib/b.txt', status: 'modified', additions: 1, deletions: 0 },
      { path: 'new.txt', status: 'deleted', additions: 0, deletions: 1 },
    ]);
    expect(diff.patch).toContain('+committed by agent');
    expect(diff.patch).not.toContain('uncommitted');
    const stat = await worktreeDiff(fakeApp(state), 's2', { stat: true });
    expect(stat.patch).toBe('');
  });

  it('apply writes the work into the tree as uncommitted changes; apply refuses a file changed meanwhile and writes nothing', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 's3');
    fs.writeFileSync(path.join(paths.tree, 'a.txt'), 'agent rewrote a\n');
    fs.writeFileSync(path.join(paths.tree, 'lib', 'c.txt'), 'sea\n');
    fs.writeFileSync(path.join(project, 'a.txt'), 'the user kept working\n');
    const before = snapshotTree(project);
    await worktreeDiff(fakeApp(state), 's3', { record: true });
    const refused = await applyWorktree(fakeApp(state), 's3').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplyConflictError);
    expect((refused as ApplyConflictError).files).toEqual(['a.txt']);
    expect((refused as Error).message).toContain('a.txt');
    expect(snapshotTree(project)).toEqual(before);
    // the user puts a.txt back as it was: now it applies
    fs.writeFileSync(path.join(project, 'a.txt'), 'one\nuncommitted\n');
    const applied = await applyWorktree(fakeApp(state), 's3');
    expect(applied.files.sort()).toEqual(['a.txt', 'lib/c.txt']);
    expect(fs.readFileSync(path.join(project, 'a.txt'), 'utf8')).toBe('agent rewrote a\n');
    expect(fs.readFileSync(path.join(project, 'lib', 'c.txt'), 'utf8')).toBe('sea\n');
    expect(git(project, 'status', '--porcelain')).toBe(' M a.txt\n?? lib/c.txt\n?? new.txt\n');
    expect((await worktreeDiff(fakeApp(state), 's3')).applied).not.toBeNull();
  });

  it('apply --branch brings the agent\'s commit and its uncommitted work in as shim/NAME, the tree untouched', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 's4');
    fs.writeFileSync(path.join(paths.treeGit, 'objects/info/alternates'), `${path.join(project, '.git/objects')}\n`);
    fs.writeFileSync(path.join(paths.tree, 'feature.txt'), 'feature\n');
    git(paths.tree, 'add', 'feature.txt');
    git(paths.tree, 'commit', '-q', '-m', 'agent: add feature');
    fs.writeFileSync(path.join(paths.tree, 'wip.txt'), 'left uncommitted\n');
    const before = snapshotTree(project);
    await worktreeDiff(fakeApp(state), 's4', { record: true });
    const result = await applyWorktreeBranch(fakeApp(state), 's4');
    expect(result.branch).toBe('shim/s4');
    expect(snapshotTree(project)).toEqual(before);
    expect(git(project, 'status', '--porcelain')).toBe(' M a.txt\n?? new.txt\n');
    const log = git(project, 'log', '--format=%s', 'shim/s4');
    expect(log.split('\n').slice(0, 3)).toEqual(["shim: what session s4 left uncommitted", 'agent: add feature', expect.stringContaining('shim: uncommitted and untracked files of')]);
    expect(git(project, 'show', 'shim/s4:feature.txt')).toBe('feature\n');
    expect(git(project, 'show', 'shim/s4:wip.txt')).toBe('left uncommitted\n');
    expect(git(project, 'fsck', '--no-dangling').trim()).toBe('');
  });

  it('apply never writes through a link in the user\'s tree: a directory turned into a link meanwhile is refused', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    const { paths } = await makeCopy(state, project, 's6');
    fs.writeFileSync(path.join(paths.tree, 'lib', 'planted.txt'), 'planted\n');
    // the user's lib/ is now a link to a directory outside the project
    fs.renameSync(path.join(project, 'lib'), path.join(root, 'lib-moved'));
    fs.symlinkSync(outside, path.join(project, 'lib'));
    await worktreeDiff(fakeApp(state), 's6', { record: true });
    const refused = await applyWorktree(fakeApp(state), 's6').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplyConflictError);
    expect((refused as ApplyConflictError).files).toEqual(['lib/planted.txt']);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('discard removes the copy and leaves nothing behind', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 's5');
    expect(fs.existsSync(paths.dir)).toBe(true);
    const result = await discardWorktree(fakeApp(state), 's5');
    expect(result).toEqual({ name: 's5', stopped: false, removed: true });
    expect(fs.readdirSync(path.join(state, 'worktrees'))).toEqual([]);
    await expect(worktreeDiff(fakeApp(state), 's5')).rejects.toThrow(/no worktree session named "s5"/);
  });
});
