// The pure parts of `shim mcp`: cwd confinement to the server's root, the interpreter argument table,
// the "safe" check of execute_code, and the UTF-8 boundary of capped output.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { isInside, mountSummary, loadCallCwd, loadServerRoot, safetyProblems, stdinProgramArgs } from '../../src/mcp/tools.js';
import { utf8Boundary } from '../../src/runtime/exec-for-mcp.js';
import { tempDir } from './tmp.js';

describe('isInside', () => {
  it.each([
    ['/r', '/r', true],
    ['/r', '/r/a', true],
    ['/r', '/r/a/b', true],
    ['/r', '/r/..a', true],
    ['/r', '/', false],
    ['/r', '/rx', false],
    ['/r', '/r2/a', false],
    ['/r/a', '/r', false],
    ['/r', '/other', false],
  ])('%s contains %s: %s', (root, target, want) => {
    expect(isInside(root, target)).toBe(want);
  });
});

describe('loadCallCwd', () => {
  const base = tempDir('shim-mcp-');
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'sub', 'deep'), { recursive: true });
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, path.join(root, 'escape'));
  fs.symlinkSync(path.join(root, 'sub'), path.join(base, 'into-root'));
  fs.writeFileSync(path.join(root, 'file.txt'), 'x');

  it('defaults to the root', () => {
    expect(loadCallCwd(root, undefined)).toBe(root);
    expect(loadCallCwd(root, '')).toBe(root);
  });

  it('accepts directories inside the root, absolute or relative to it', () => {
    expect(loadCallCwd(root, 'sub/deep')).toBe(path.join(root, 'sub', 'deep'));
    expect(loadCallCwd(root, path.join(root, 'sub'))).toBe(path.join(root, 'sub'));
    expect(loadCallCwd(root, 'sub/../sub')).toBe(path.join(root, 'sub'));
  });

  it('accepts a link from outside that resolves inside the root', () => {
    expect(loadCallCwd(root, path.join(base, 'into-root'))).toBe(path.join(root, 'sub'));
  });

  it('refuses directories outside the root, by path, by .. and through a link', () => {
    for (const cwd of [outside, '..', '../outside', 'escape', '/']) {
      expect(() => loadCallCwd(root, cwd)).toThrow(/outside the directory this server was started for/);
    }
  });

  it('refuses what does not exist and what is not a directory', () => {
    expect(() => loadCallCwd(root, 'missing')).toThrow(/does not exist/);
    expect(() => loadCallCwd(root, 'file.txt')).toThrow(/not a directory/);
    expect(() => loadCallCwd(root, 'missing')).toThrow(UsageError);
  });

  it('resolves --root against the current directory and refuses a missing one', () => {
    expect(loadServerRoot(base, 'root')).toBe(root);
    expect(loadServerRoot(root, undefined)).toBe(root);
    expect(loadServerRoot(base, 'into-root')).toBe(path.join(root, 'sub'));
    expect(() => loadServerRoot(base, 'nope')).toThrow(UsageError);
    expect(() => loadServerRoot(root, 'file.txt')).toThrow(/not a directory/);
  });
});

describe('stdinProgramArgs', () => {
  it.each([
    ['python', ['-']],
    ['python3', ['-']],
    ['python3.12', ['-']],
    ['/usr/bin/python3', ['-']],
    ['node', []],
    ['bash', []],
    ['sh', []],
    ['ruby', []],
    ['something-else', []],
  ])('%s → %j', (command, want) => {
    expect(stdinProgramArgs(command)).toEqual(want);
  });

  it('returns a copy the caller may change', () => {
    stdinProgramArgs('python').push('x');
    expect(stdinProgramArgs('python')).toEqual(['-']);
  });
});

describe('safetyProblems', () => {
  const safe = { network: 'none', mounts: [], ports: [] };
  it('accepts no mounts, no network, no ports, no podman_args', () => {
    expect(safetyProblems({ podman_args: [] }, safe)).toEqual([]);
  });
  it('names each reason a tool is not safe', () => {
    expect(safetyProblems({ podman_args: [] }, { ...safe, mounts: [{ dst: '/workspace' }] })).toEqual(['it has mounts (/workspace)']);
    expect(safetyProblems({ podman_args: [] }, { ...safe, network: 'bridge' })).toEqual(['its network is "bridge"']);
    expect(safetyProblems({ podman_args: [] }, { ...safe, ports: ['8080'] })).toEqual(['it publishes ports']);
    expect(safetyProblems({ podman_args: ['-v', '/:/host'] }, safe)).toEqual(['it has podman_args']);
  });
});

describe('mountSummary', () => {
  it('shows the configured source, destination and mode', () => {
    expect(mountSummary({ src: '.', dst: '/workspace' })).toBe('. -> /workspace (rw)');
    expect(mountSummary({ src: '~/x', dst: '/x', opts: 'ro,z' })).toBe('~/x -> /x (ro)');
  });
});

describe('utf8Boundary', () => {
  it('keeps complete sequences and drops a cut one', () => {
    const euro = Buffer.from('a€', 'utf8'); // 61 e2 82 ac
    expect(utf8Boundary(euro)).toBe(4);
    expect(utf8Boundary(euro.subarray(0, 3))).toBe(1);
    expect(utf8Boundary(euro.subarray(0, 2))).toBe(1);
    expect(utf8Boundary(Buffer.from('abc'))).toBe(3);
    expect(utf8Boundary(Buffer.from('😀', 'utf8').subarray(0, 3))).toBe(0);
    expect(utf8Boundary(Buffer.alloc(0))).toBe(0);
  });
});

