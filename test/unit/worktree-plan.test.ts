// The pure parts of worktree sessions: how a run's mounts show the copy, what is shared, which paths
// shim acts on, the environment of its git calls, and the restart policy.
import { describe, expect, it } from 'vitest';
import type { MountFact } from '../../src/plan/mounts.js';
import { buildMountArgs } from '../../src/plan/mounts.js';
import { WORKTREE_OBJECTS_DST, buildCleanGitEnv, buildUserGitEnv, chooseSharedDirs, pathInCopy, planWorktreeMounts, safeRelPath, worktreeBranch, worktreePaths } from '../../src/worktree/plan.js';
import { resolveRestartPolicy, restartDelay } from '../../src/session/restart.js';
import { parseNumstat, parseRaw } from '../../src/worktree/diff.js';

const project = '/home/u/proj';
const copy = '/home/u/.local/state/shim/worktrees/s/tree';
const podman = { name: 'podman' as const, path: '/usr/bin/podman', rootless: false };
const docker = { name: 'docker' as const, path: '/usr/bin/docker', rootless: false };
const projectMount: MountFact = { config: { src: '.' }, expanded: project, real: project, dst: project, gitOverlays: [{ src: `${project}/.git`, dst: `${project}/.git` }] };
const homeMount: MountFact = { config: { src: '~/.claude' }, expanded: '/home/u/.claude', real: '/home/u/.claude', dst: '/home/u/.claude' };
const input = { project, copy, userObjects: `${project}/.git/objects`, shared: ['node_modules'], overlay: true };

describe('worktree mounts', () => {
  it('shows the copy at the project path, without the user\'s .git overlay; other mounts unchanged', () => {
    const mounts = planWorktreeMounts('agent', [projectMount, homeMount], input);
    expect(mounts[0]).toEqual({ config: { src: '.' }, expanded: project, real: copy, dst: project });
    expect(mounts[1]).toBe(homeMount);
  });
  it('mounts the user\'s objects read-only where the copy\'s alternates point, never the user\'s .git', () => {
    const mounts = planWorktreeMounts('agent', [projectMount], input);
    expect(mounts.find((m) => m.dst === WORKTREE_OBJECTS_DST)).toMatchObject({ real: `${project}/.git/objects`, config: { opts: 'ro' } });
    expect(mounts.some((m) => m.real === `${project}/.git` || m.gitOverlays?.length)).toBe(false);
  });
  it('shares ignored directories: an overlay on podman (-v SRC:DST:O), read-only on docker', () => {
    const mounts = planWorktreeMounts('agent', [projectMount], input);
    expect(buildMountArgs(mounts, podman, 'agent')).toContain(`${project}/node_modules:${project}/node_modules:O`);
    const ro = planWorktreeMounts('agent', [projectMount], { ...input, overlay: false });
    expect(buildMountArgs(ro, docker, 'agent')).toContain(`type=bind,src=${project}/node_modules,dst=${project}/node_modules,ro`);
  });
  it('never puts a path with ":" or "," into -v: such a shared directory is read-only instead', () => {
    const odd = planWorktreeMounts('agent', [projectMount], { ...input, shared: ['a:b'] });
    const args = buildMountArgs(odd, podman, 'agent');
    expect(args.some((a) => a.endsWith(':O'))).toBe(false);
    expect(args).toContain(`type=bind,src=${project}/a:b,dst=${project}/a:b,ro`);
  });
  it('leaves out a shared directory where a configured mount is, and refuses a tool that mounts no part of the project', () => {
    const nm: MountFact = { config: { src: './node_modules' }, expanded: `${project}/node_modules`, real: `${project}/node_modules`, dst: `${project}/node_modules` };
    const mounts = planWorktreeMounts('agent', [projectMount, nm], input);
    expect(mounts.filter((m) => m.dst === `${project}/node_modules`)).toHaveLength(1);
    expect(() => planWorktreeMounts('agent', [homeMount], input)).toThrow(/mounts no part of the project/);
  });
  it('maps the working directory into the copy', () => {
    expect(pathInCopy(`${project}/src`, input)).toBe(`${copy}/src`);
    expect(pathInCopy('/elsewhere', input)).toBe('/elsewhere');
  });
});

describe('worktree names, paths and git environment', () => {
  it('places a copy under the state directory, on branch shim/NAME', () => {
    expect(worktreePaths('/s', 'x')).toMatchObject({ dir: '/s/worktrees/x', tree: '/s/worktrees/x/tree', control: '/s/worktrees/x/control.git' });
    expect(worktreeBranch('x')).toBe('shim/x');
  });
  it.each([
    ['a.txt', true],
    ['lib/b.txt', true],
    ['../x', false],
    ['/etc/passwd', false],
    ['a/../../x', false],
    ['.git/hooks/pre-commit', false],
    ['sub/.GIT/config', false],
    ['', false],
    ['a//b', false],
  ])('safeRelPath(%j) is %s', (p, ok) => expect(safeRelPath(p)).toBe(ok));
  it('gives git about a copy no configuration of the user or system and none of the caller\'s GIT_ variables', () => {
    const env = buildCleanGitEnv({ PATH: '/bin', HOME: '/home/u', GIT_DIR: '/x', GIT_EXTERNAL_DIFF: 'evil', GIT_CONFIG_PARAMETERS: "'core.pager'='evil'" }, '/s/home');
    expect(env).toMatchObject({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_ATTR_NOSYSTEM: '1', HOME: '/s/home', XDG_CONFIG_HOME: '/s/home' });
    expect(Object.keys(env).filter((k) => ['GIT_DIR', 'GIT_EXTERNAL_DIFF', 'GIT_CONFIG_PARAMETERS'].includes(k))).toEqual([]);
    expect(Object.keys(buildUserGitEnv({ PATH: '/bin', GIT_DIR: '/x', GIT_SSH_COMMAND: 'evil' })).filter((k) => k === 'GIT_DIR' || k === 'GIT_SSH_COMMAND')).toEqual([]);
  });
  it('shares the shallowest ignored directories, not ignored files, nor nested or unsafe ones', () => {
    expect(chooseSharedDirs(['node_modules/', '.env', 'a/node_modules/', 'node_modules/x/', 'build/', '../up/'], () => false)).toEqual({ dirs: ['build', 'node_modules', 'a/node_modules'], leftOut: 0 });
    expect(chooseSharedDirs(Array.from({ length: 40 }, (_, i) => `d${i}/`), () => false).leftOut).toBe(8);
  });
  it('parses git diff --raw and --numstat output', () => {
    const z = '0'.repeat(40);
    const a = 'a'.repeat(40);
    expect(parseRaw(`:000000 100644 ${z} ${a} A\0new.txt\0:100644 000000 ${a} ${z} D\0old.txt\0`)).toEqual([
      { path: 'new.txt', status: 'added', oldMode: null, newMode: '100644', oldOid: null, newOid: a },
      { path: 'old.txt', status: 'deleted', oldMode: '100644', newMode: null, oldOid: a, newOid: null },
    ]);
    expect([...parseNumstat('3\t1\ta.txt\0-\t-\tbin.png\0').entries()]).toEqual([['a.txt', { additions: 3, deletions: 1 }], ['bin.png', { additions: null, deletions: null }]]);
  });
});

describe('restart policy', () => {
  const policy = resolveRestartPolicy({ restart: 'on-failure', restart_delay: '2s', restart_max_delay: '10s' })!;
  it.each([
    [0, undefined, 0, false, undefined],
    [1, undefined, 0, false, 2000],
    [1, undefined, 1, false, 4000],
    [1, undefined, 5, false, 10000],
    [1, 'stopped', 0, false, undefined],
    [0, undefined, 3, true, 0],
  ])('on-failure: exit %i, ending %s, after %i restarts, asked %s → %s', (status, ending, restarts, asked, delay) => {
    expect(restartDelay(policy, status, ending, restarts, asked)).toBe(delay);
  });
  it('always restarts after exit 0 too; no policy never does', () => {
    expect(restartDelay(resolveRestartPolicy({ restart: 'always' }), 0, undefined, 0, false)).toBe(1000);
    expect(restartDelay(resolveRestartPolicy({ restart: 'no' }), 1, undefined, 0, false)).toBeUndefined();
    expect(resolveRestartPolicy({})).toBeUndefined();
  });
});
