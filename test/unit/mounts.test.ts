import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildMountArgs } from '../../src/plan/mounts.js';
import { expandMountSource, isVolumeName } from '../../src/path-helpers.js';
import { inspectMountSources as gatherSources, walkMountTree } from '../../src/facts/mount-sources.js';
import net from 'node:net';
import { loadProtectedPaths } from '../../src/facts/protected-paths.js';
import { realpathLoose } from '../../src/facts/realpath.js';
import { planMounts } from '../../src/plan/mount-policy.js';
import type { ProtectedPath } from '../../src/plan/protected-paths.js';
import { resolveShimPaths } from '../../src/config/paths.js';
import { SETUP, docker, makeMount, makeTool, rootfulPodman, rootlessPodman } from './fixtures.js';

describe('expandMountSource', () => {
  it.each([
    ['.', '/p/q'],
    ['~', '/h'],
    ['~/x/y', '/h/x/y'],
    ['sub/dir', '/p/q/sub/dir'],
    ['../up', '/p/up'],
    ['/abs/path', '/abs/path'],
  ])('%s → %s', (src, want) => {
    expect(expandMountSource(src, '/p/q', '/h')).toBe(want);
  });

  it('refuses ~user', () => {
    expect(() => expandMountSource('~root/x', '/p', '/h')).toThrow(ConfigError);
  });
});

describe('buildMountArgs', () => {
  it('returns nothing for no mounts', () => {
    expect(buildMountArgs([], rootlessPodman(), 't')).toEqual([]);
  });

  it('emits one --mount per mount, in order', () => {
    expect(buildMountArgs([makeMount('/a', '/x'), makeMount('/b', '/y', 'rw')], docker(), 't')).toEqual([
      '--mount',
      'type=bind,src=/a,dst=/x',
      '--mount',
      'type=bind,src=/b,dst=/y',
    ]);
  });

  it('mounts the real path, not the path as written', () => {
    const fact = { config: { src: '~/link', dst: '/x' }, expanded: '/h/link', real: '/h/target', dst: '/x' };
    expect(buildMountArgs([fact], docker(), 't')).toEqual(['--mount', 'type=bind,src=/h/target,dst=/x']);
  });

  it('keeps a source named a,dst=/etc in one field', () => {
    const [, spec] = buildMountArgs([makeMount('/tmp/a,dst=/etc', '/w')], docker(), 't');
    expect(spec).toBe('type=bind,"src=/tmp/a,dst=/etc",dst=/w');
  });

  it('keeps a source with a quote in one field', () => {
    const [, spec] = buildMountArgs([makeMount('/tmp/x"y', '/w', 'ro')], docker(), 't');
    expect(spec).toBe('type=bind,"src=/tmp/x""y",dst=/w,ro');
  });

  it('puts the read-only .git overlay right after its mount', () => {
    const project = { ...makeMount('/p', '/workspace'), gitOverlays: [{ src: '/p/.git', dst: '/workspace/.git' }] };
    expect(buildMountArgs([project, makeMount('/o', '/o', 'ro')], rootlessPodman(), 't')).toEqual([
      '--mount',
      'type=bind,src=/p,dst=/workspace',
      '--mount',
      'type=bind,src=/p/.git,dst=/workspace/.git,ro',
      '--mount',
      'type=bind,src=/o,dst=/o,ro',
    ]);
  });

  it('CSV-quotes the overlay source too', () => {
    const m = { ...makeMount('/a,dst=/etc', '/w'), gitOverlays: [{ src: '/a,dst=/etc/.git', dst: '/w/.git' }] };
    expect(buildMountArgs([m], docker(), 't')[3]).toBe('type=bind,"src=/a,dst=/etc/.git",dst=/w/.git,ro');
  });

  it('relabels only with podman', () => {
    expect(buildMountArgs([makeMount('/a', '/x', 'Z')], rootlessPodman(), 't')).toEqual(['--mount', 'type=bind,src=/a,dst=/x,relabel=private']);
    expect(() => buildMountArgs([makeMount('/ok', '/o'), makeMount('/a', '/x', 'z')], docker(), 'tool')).toThrow(
      /^tool\.mounts\[1\]\.opts: "z"/,
    );
  });
});

const protect = (home: string, env: Record<string, string> = {}) => loadProtectedPaths(env, home, resolveShimPaths(env, home));
/** The facts gathered from the file system, then the policy's decision on them (what a run does). */
function inspectMountSources(tool: ReturnType<typeof makeTool>, root: string, home: string, protectedPaths: ProtectedPath[]) {
  const mounts = gatherSources(tool, root, home, { protectedPaths, setup: SETUP });
  return planMounts({ tool: tool.name, gitWritable: tool.git_writable, mounts, protectedPaths, root: realpathLoose(root), home: realpathLoose(home) });
}

describe('inspectMountSources', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-mounts-')));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'proj'));
  fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
  fs.symlinkSync(path.join(dir, 'proj'), path.join(dir, 'link'));

  it('resolves "." to the project root and symlinks to their target', () => {
    const tool = makeTool({ mounts: [{ src: '.', dst: '/workspace' }, { src: '../link', dst: '/l', opts: 'ro' }, { src: '~/file.txt', dst: '/f' }] });
    const facts = inspectMountSources(tool, path.join(dir, 'proj'), dir, protect(dir));
    expect(facts.map((f) => f.real)).toEqual([path.join(dir, 'proj'), path.join(dir, 'proj'), path.join(dir, 'file.txt')]);
    expect(facts[1]!.expanded).toBe(path.join(dir, 'link'));
    expect(facts[1]!.config.opts).toBe('ro');
  });

  it('refuses a missing source and never creates it', () => {
    const tool = makeTool({ mounts: [{ src: './missing', dst: '/m' }] });
    expect(() => inspectMountSources(tool, dir, dir, protect(dir))).toThrow(/eslint\.mounts\[0\]\.src/);
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('refuses a source that is a device', () => {
    const tool = makeTool({ mounts: [{ src: '/dev/null', dst: '/n' }] });
    expect(() => inspectMountSources(tool, dir, dir, protect(dir))).toThrow(/neither a directory nor a regular file/);
  });
});

describe('inspectMountSources with the mount policy (real file system)', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-policy-')));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const home = path.join(root, 'home');
  const proj = path.join(root, 'proj');
  const wt = path.join(root, 'worktree');
  for (const d of [path.join(home, '.ssh'), path.join(root, 'dotfiles', 'aws'), path.join(proj, '.git', 'hooks'), wt, path.join(root, 'linkgit')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh', 'id'), 'k');
  fs.symlinkSync(path.join(root, 'dotfiles', 'aws'), path.join(home, '.aws'));
  fs.symlinkSync(path.join(home, '.ssh'), path.join(proj, 'cache'));
  fs.symlinkSync(path.join(home, '.ssh', 'id'), path.join(proj, 'key'));
  fs.writeFileSync(path.join(wt, '.git'), 'gitdir: /elsewhere/.git/worktrees/wt\n');
  fs.symlinkSync(path.join(home, '.ssh'), path.join(root, 'linkgit', '.git'));
  const inspect = (mounts: ReturnType<typeof makeTool>['mounts'], extra: Partial<ReturnType<typeof makeTool>> = {}, cwd = proj) =>
    inspectMountSources(makeTool({ mounts, ...extra }), cwd, home, protect(home));

  it.each([
    ['a project link to ~/.ssh', './cache', path.join(home, '.ssh')],
    ['a link to a file inside ~/.ssh', './key', path.join(home, '.ssh', 'id')],
    ['.. reaching $HOME', '../home', home],
    ['the home directory', '~', home],
    ['the root', '/', '/'],
    ['the target of a symlinked ~/.aws', path.join(root, 'dotfiles'), path.join(root, 'dotfiles')],
    ["an ancestor of the sandbox's home", root, root],
  ])('refuses %s (exit 125, naming the mount and the real path)', (_, src, real) => {
    let error: unknown;
    try {
      inspect([{ src, dst: '/data', opts: 'ro' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(125);
    expect((error as ConfigError).message).toContain(`eslint.mounts[0].src: ${JSON.stringify(src)} resolves to ${real}, which`);
    expect((error as ConfigError).hint).toBeTruthy();
  });

  it('lets a protected source through with allow_sensitive', () => {
    const [fact] = inspect([{ src: './cache', dst: '/data', opts: 'ro', allow_sensitive: 'the tool signs commits' }]);
    expect(fact!.real).toBe(path.join(home, '.ssh'));
  });

  it('refuses "." when the current directory is $HOME, with a hint', () => {
    expect(() => inspect([{ src: '.', dst: '/workspace' }], {}, home)).toThrow(expect.objectContaining({ hint: expect.stringMatching(/project directory/) }));
  });

  it('lists every problem in one error', () => {
    expect(() => inspect([{ src: '~', dst: '/h' }, { src: '.', dst: '/etc' }])).toThrow(/^eslint: 2 mount problems:\neslint\.mounts\[0\]\.src: .*\neslint\.mounts\[1\]\.dst: "\/etc" is inside \/etc/);
  });

  it('finds the .git directory of a writable project and overlays it read-only', () => {
    const [fact] = inspect([{ src: '.', dst: '/workspace' }]);
    expect(fact!.gitOverlays).toEqual([{ src: path.join(proj, '.git'), dst: '/workspace/.git' }]);
    expect(buildMountArgs([fact!], docker(), 'eslint')).toEqual([
      '--mount',
      `type=bind,src=${proj},dst=/workspace`,
      '--mount',
      `type=bind,src=${proj}/.git,dst=/workspace/.git,ro`,
    ]);
    expect(inspect([{ src: '.', dst: '/workspace' }], { git_writable: true })[0]!.gitOverlays).toBeUndefined();
    expect(inspect([{ src: '.', dst: '/workspace', opts: 'ro' }])[0]!.gitOverlays).toBeUndefined();
  });

  it('overlays a worktree .git file read-only', () => {
    const [fact] = inspect([{ src: wt, dst: '/w' }]);
    expect(fact!.gitOverlays).toEqual([{ src: path.join(wt, '.git'), dst: '/w/.git' }]);
  });

  it('refuses a writable mount whose .git is a symbolic link', () => {
    expect(() => inspect([{ src: path.join(root, 'linkgit'), dst: '/w' }])).toThrow(/\.git is a symbolic link/);
    expect(inspect([{ src: path.join(root, 'linkgit'), dst: '/w', opts: 'ro' }])).toHaveLength(1);
  });
});

describe('named volumes', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-vol-')));

  it('a bare name is the tool\'s own volume; a relative directory needs a slash', () => {
    expect(isVolumeName('claude-state')).toBe(true);
    expect(isVolumeName('./sub')).toBe(false);
    expect(isVolumeName('sub/dir')).toBe(false);
    expect(isVolumeName('.')).toBe(false);
    expect(isVolumeName('~')).toBe(false);
  });

  it('mounts a named volume without touching the host, and checks its destination', () => {
    const tool = makeTool({ name: 'claude', mounts: [{ src: 'state', dst: '/home/shim/.claude' }] });
    const facts = inspectMountSources(tool, dir, dir, protect(dir));
    expect(facts).toEqual([expect.objectContaining({ volume: 'shim-vol-claude-state-5e7u9000000a' })]);
    expect(buildMountArgs(facts, rootfulPodman(), 'claude')).toEqual(['--mount', 'type=volume,src=shim-vol-claude-state-5e7u9000000a,dst=/home/shim/.claude']);
    expect(fs.existsSync(path.join(dir, 'state'))).toBe(false);
    const bad = makeTool({ name: 'claude', mounts: [{ src: 'state', dst: '/etc/x' }] });
    expect(() => inspectMountSources(bad, dir, dir, protect(dir))).toThrow(/claude\.mounts\[0\]\.dst/);
  });

  it('keeps ro for a named volume', () => {
    const tool = makeTool({ name: 'claude', mounts: [{ src: 'state', dst: '/s', opts: 'ro' }] });
    expect(buildMountArgs(inspectMountSources(tool, dir, dir, protect(dir)), rootfulPodman(), 'claude')).toEqual(['--mount', 'type=volume,src=shim-vol-claude-state-5e7u9000000a,dst=/s,ro']);
  });
});

describe('walkMountTree (real file system)', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-walk-')));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const d of ['.git/objects/ab', '.git/hooks', 'sub/.git/hooks', 'deep/er/repo/.git', 'node_modules/pkg/.git', 'mod']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'mod', '.git'), 'gitdir: ../.git/modules/mod\n');
  fs.symlinkSync(path.join(dir, 'sub', '.git'), path.join(dir, 'deep', '.git'));

  it('finds every .git below the top one (not inside a .git), without following links', () => {
    const t = walkMountTree(dir);
    expect(t.complete).toBe(true);
    expect(t.gits.sort((a, b) => a.rel.localeCompare(b.rel))).toEqual([
      { rel: 'deep/.git', kind: 'symlink' },
      { rel: 'deep/er/repo/.git', kind: 'directory' },
      { rel: 'mod/.git', kind: 'file' },
      { rel: 'node_modules/pkg/.git', kind: 'directory' },
      { rel: 'sub/.git', kind: 'directory' },
    ]);
    expect(t.sockets).toEqual([]);
  });

  it('finds a live socket anywhere below', async () => {
    const sock = path.join(dir, 'deep', 'er', 'ipc.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(walkMountTree(dir).sockets).toEqual([sock]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('stops at its bound and says so', () => {
    const t = walkMountTree(dir, 3);
    expect(t).toMatchObject({ complete: false, limit: 3 });
  });
});
