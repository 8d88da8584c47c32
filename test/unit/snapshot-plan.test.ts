// The pure part of snapshots and pause: diffing manifests, planning a restore, the caps, prune, which
// mounts are covered, and which containers a pause name means.
import { describe, expect, it } from 'vitest';
import { capProblem, diffManifests, isSafeSnapshotPath, parents, planPrune, planRestore, snapshotRoots, type SnapshotEntry, type SnapshotSummary } from '../../src/plan/snapshot.js';
import { choosePausable, describePausable, pauseArgv, pauseObstacle, resolvePausable } from '../../src/plan/pause.js';
import { warmListArgv } from '../../src/plan/warm.js';

const file = (hash: string, mode = 0o644): SnapshotEntry => ({ type: 'file', hash, size: 1, mode, mtimeMs: 1, ctimeMs: 1, ino: 1 });
const link = (target: string): SnapshotEntry => ({ type: 'symlink', target });

describe('diffManifests', () => {
  it('names added, changed, deleted and mode-only changes, each sorted', () => {
    const before = { a: file('1'), b: file('2'), c: file('3'), d: file('4', 0o644), l: link('x') };
    const after = { a: file('1'), b: file('9'), d: file('4', 0o755), e: file('5'), l: link('y') };
    expect(diffManifests(before, after)).toEqual({ added: ['e'], changed: ['b', 'l'], deleted: ['c'], modeChanged: [{ path: 'd', from: '0644', to: '0755' }] });
  });
  it('a file that became a symlink is a change, not a mode change', () => {
    expect(diffManifests({ a: file('1') }, { a: link('1') }).changed).toEqual(['a']);
  });
  it('content and mode changed together count as changed', () => {
    const d = diffManifests({ a: file('1', 0o644) }, { a: file('2', 0o755) });
    expect(d.changed).toEqual(['a']);
    expect(d.modeChanged).toEqual([]);
  });
  it('identical trees have no differences', () => {
    expect(diffManifests({ a: file('1') }, { a: file('1') })).toEqual({ added: [], changed: [], deleted: [], modeChanged: [] });
  });
});

describe('planRestore', () => {
  it('removes created files, writes changed and deleted ones, chmods mode-only changes', () => {
    const target = { a: file('1'), b: file('2'), d: file('4', 0o644) };
    const current = { a: file('1'), b: file('9'), d: file('4', 0o755), n: file('5') };
    const plan = planRestore(target, current);
    expect(plan.remove).toEqual(['n']);
    expect(plan.write.map((w) => w.path)).toEqual(['b']);
    expect(plan.chmod).toEqual([{ path: 'd', mode: 0o644 }]);
  });
  it('recreates deleted files with their mode', () => {
    const plan = planRestore({ 'dir/x': file('1', 0o755) }, {});
    expect(plan.write).toEqual([{ path: 'dir/x', entry: file('1', 0o755) }]);
  });
  it('removes a path whose type changed before writing it, and deeper paths first', () => {
    const plan = planRestore({ a: link('t') }, { a: file('1'), 'z/y/x': file('2'), 'z/y': file('3') });
    expect(plan.remove).toEqual(['z/y/x', 'z/y', 'a']);
    expect(plan.write).toEqual([{ path: 'a', entry: link('t') }]);
  });
  it('is empty when the tree is as saved (a second run of a finished restore does nothing)', () => {
    expect(planRestore({ a: file('1') }, { a: file('1') })).toEqual({ remove: [], write: [], chmod: [] });
  });
  it.each([['../x'], ['/etc/passwd'], ['a/../../b'], ['.git/config'], ['a/.git/hooks/x'], ['a//b'], ['./a']])('refuses a manifest with the unsafe path %s', (p) => {
    expect(isSafeSnapshotPath(p)).toBe(false);
    expect(() => planRestore({ [p]: file('1') }, {})).toThrow(/outside its directory or inside .git/);
  });
});

describe('caps', () => {
  const caps = { maxBytes: 1000, maxFiles: 10 };
  it('accepts a tree at the caps', () => expect(capProblem(10, 1000, caps)).toBeUndefined());
  it('refuses too many files with both numbers', () => expect(capProblem(11, 5, caps)).toBe('11 files, over the cap of 10 files per snapshot'));
  it('refuses too many bytes with both numbers', () => expect(capProblem(1, 1001, caps)).toMatch(/\(1001 bytes\), over the cap of .* \(1000 bytes\)/));
});

describe('planPrune', () => {
  const s = (id: string, root: string, createdAt: string): SnapshotSummary => ({ id, root, createdAt, files: 1, bytes: 1 });
  const list = [s('a1', '/a', '2026-01-01T00:00:00Z'), s('a2', '/a', '2026-01-02T00:00:00Z'), s('a3', '/a', '2026-01-03T00:00:00Z'), s('b1', '/b', '2026-01-01T00:00:00Z')];
  const now = Date.parse('2026-01-03T12:00:00Z');
  it('keeps the newest N of each directory', () => expect(planPrune(list, { keep: 1, now })).toEqual(['a1', 'a2']));
  it('removes those older than a duration', () => expect(planPrune(list, { olderThanMs: 36 * 3600_000, now })).toEqual(['a1', 'b1']));
  it('combines both', () => expect(planPrune(list, { keep: 2, olderThanMs: 50 * 3600_000, now })).toEqual(['a1', 'b1']));
});

describe('snapshotRoots', () => {
  it('covers read-write host directories once, not volumes, read-only mounts or mounts inside another', () => {
    const mounts = [
      { src: '/p', mode: 'rw' as const },
      { src: '/p/sub', mode: 'rw' as const },
      { src: '/p/.git', mode: 'ro' as const },
      { src: '/other', mode: 'ro' as const },
      { src: 'volume:shim-tool-x', mode: 'rw' as const },
      { src: '/pp', mode: 'rw' as const },
      { src: '/p', mode: 'rw' as const },
    ];
    expect(snapshotRoots(mounts)).toEqual(['/p', '/pp']);
  });
  it('parents lists the ancestors, nearest last', () => expect(parents('a/b/c')).toEqual(['a', 'a/b']));
});

describe('pause', () => {
  const warm = [
    { name: 'shim-warm-agent-1', tool: 'agent' },
    { name: 'shim-warm-agent-2', tool: 'agent' },
    { name: 'shim-warm-lint-3', tool: 'lint' },
  ];
  it('runs pause and unpause', () => {
    expect(pauseArgv('pause', 'c')).toEqual(['pause', 'c']);
    expect(pauseArgv('resume', 'c')).toEqual(['unpause', 'c']);
  });
  it('a container name means that container, a tool name every warm container of the tool', () => {
    expect(resolvePausable('shim-warm-lint-3', warm)).toEqual([warm[2]]);
    expect(resolvePausable('agent', warm)).toEqual([warm[0], warm[1]]);
    expect(resolvePausable('nope', warm)).toEqual([]);
  });
  it('an unknown name is refused with what can be paused', () => {
    expect(describePausable('nope', warm)).toBe('no warm container or tool named "nope"; these can be paused: agent (shim-warm-agent-1), agent (shim-warm-agent-2), lint (shim-warm-lint-3)');
    expect(describePausable('nope', [])).toMatch(/no warm containers are up/);
  });
  it('pause takes the running containers of a name, resume the paused ones', () => {
    const mixed = [
      { name: 'a1', tool: 'agent', state: 'running' },
      { name: 'a2', tool: 'agent', state: 'paused' },
    ];
    expect(choosePausable('pause', 'agent', mixed)).toEqual({ targets: [mixed[0]] });
    expect(choosePausable('resume', 'agent', mixed)).toEqual({ targets: [mixed[1]] });
    expect(choosePausable('resume', 'a2', mixed)).toEqual({ targets: [mixed[1]] });
  });
  it('a name in the wrong state is refused saying its state; an unknown one listing what can be acted on', () => {
    const mixed = [
      { name: 'a1', tool: 'agent', state: 'running' },
      { name: 'l1', tool: 'lint', state: 'paused' },
    ];
    expect(choosePausable('pause', 'lint', mixed)).toEqual({ targets: [], error: 'nothing to pause: l1 (lint) is paused' });
    expect(choosePausable('resume', 'a1', mixed)).toEqual({ targets: [], error: 'nothing to resume: a1 (agent) is running' });
    expect(choosePausable('resume', 'nope', mixed).error).toBe('no paused warm container or tool named "nope"; these can be resumed: lint (l1)');
    expect(choosePausable('pause', 'nope', []).error).toMatch(/no warm containers are up/);
  });
  it('lists running and paused warm containers alike (podman\'s bare ps leaves paused ones out)', () => {
    expect(warmListArgv('5e7u9000000a')).toEqual(['ps', '--quiet', '--filter', 'label=io.shim.warm', '--filter', 'label=io.shim.setup=5e7u9000000a', '--all', '--filter', 'status=running', '--filter', 'status=paused']);
    expect(warmListArgv('5e7u9000000a', 'lint')).toContain('label=io.shim.tool=lint');
  });
  it('rootless podman on cgroup v1 cannot freeze; rootful, docker and cgroup v2 can', () => {
    expect(pauseObstacle({ name: 'podman', rootless: true }, false)).toMatch(/cgroup v1/);
    expect(pauseObstacle({ name: 'podman', rootless: true }, true)).toBeUndefined();
    expect(pauseObstacle({ name: 'podman', rootless: false }, false)).toBeUndefined();
    expect(pauseObstacle({ name: 'docker', rootless: false }, false)).toBeUndefined();
  });
});
